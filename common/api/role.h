// Roles as people write them: a server's role in configs and inventories, and the role a
// client certificate's Subject OU gives its holder ("osfleet:viewer", "osfleet:operator";
// agents' own certificates say "osfleet:agent"). Both osagent and `osctl pki` read the OU
// through CertificateRole, so what osctl issues is what agents accept.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "osfleet/v1/types.pb.h"

namespace osfleet {

// "deployment_controller" (or "dc") | "front_end" (or "fe"); INVALID_ARGUMENT otherwise.
absl::StatusOr<v1::ServerRole> ParseRole(absl::string_view text);
// "deployment_controller", "front_end", "unspecified".
std::string RoleName(v1::ServerRole role);

inline constexpr absl::string_view kRoleUnitPrefix = "osfleet:";

// The role named by a certificate's Subject OUs: "viewer", "operator" or "agent" for the
// one OU "osfleet:<role>" (exactly, in lower case), "" when no OU starts with "osfleet:"
// (in any case). INVALID_ARGUMENT, naming the OUs (escaped), when more than one OU is an
// osfleet role (two roles, or the same twice) or one looks like a role but is not one
// ("OSFLEET:Operator", "osfleet:operator ", "osfleet:admin"): strict, never the strongest.
absl::StatusOr<std::string> CertificateRole(const std::vector<std::string>& units);

}  // namespace osfleet

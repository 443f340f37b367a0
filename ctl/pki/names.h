// What may go into a fleet certificate's names: holder names (inventory names, which
// are also the file names), subjectAltName entries and operator roles.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace osfleet::ctl::pki {

// 1..64 letters, digits, '.', '_' or '-' (64: the limit of a certificate's common name),
// not starting with '.' or '-', and not "ca" or "all". INVALID_ARGUMENT otherwise.
absl::Status ValidateHolderName(const std::string& name);

// subjectAltName entries for an agent: "DNS:<name>" first, then each extra as "IP:<ip>"
// when it is an IPv4/IPv6 literal, else "DNS:<host>" (an RFC 1123 hostname). An optional
// "DNS:" / "IP:" prefix is accepted; duplicates are dropped. INVALID_ARGUMENT names the bad
// entry.
absl::StatusOr<std::vector<std::string>> AgentSubjectAltNames(
    const std::string& name, const std::vector<std::string>& extras);

// "viewer" / "operator" -> the Subject OU agents read the role from: "osfleet:<role>".
absl::StatusOr<std::string> OperatorUnit(const std::string& role);

inline constexpr char kAgentUnit[] = "osfleet:agent";

}  // namespace osfleet::ctl::pki

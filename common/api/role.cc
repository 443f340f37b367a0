#include "common/api/role.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text/escape.h"

namespace osfleet {
namespace {

constexpr absl::string_view kCertificateRoles[] = {"viewer", "operator", "agent"};

bool LooksLikeRole(absl::string_view unit) {
  return absl::StartsWithIgnoreCase(absl::StripLeadingAsciiWhitespace(unit), kRoleUnitPrefix);
}

}  // namespace

absl::StatusOr<v1::ServerRole> ParseRole(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "deployment_controller" || lower == "dc") {
    return v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER;
  }
  if (lower == "front_end" || lower == "fe") return v1::SERVER_ROLE_FRONT_END;
  return absl::InvalidArgumentError(
      absl::StrCat("role '", text, "' is not one of deployment_controller, front_end"));
}

std::string RoleName(v1::ServerRole role) {
  switch (role) {
    case v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER:
      return "deployment_controller";
    case v1::SERVER_ROLE_FRONT_END:
      return "front_end";
    default:
      return "unspecified";
  }
}

absl::StatusOr<std::string> CertificateRole(const std::vector<std::string>& units) {
  std::vector<std::string> roles;
  for (const std::string& unit : units) {
    if (LooksLikeRole(unit)) roles.push_back(QuotedEscaped(unit));
  }
  if (roles.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("has ", roles.size(), " role OUs (",
                                                   absl::StrJoin(roles, ", "),
                                                   "); a certificate must have exactly one"));
  }
  for (const std::string& unit : units) {
    if (!LooksLikeRole(unit)) continue;
    const absl::string_view role = absl::string_view(unit).substr(kRoleUnitPrefix.size());
    for (absl::string_view known : kCertificateRoles) {
      if (absl::StartsWith(unit, kRoleUnitPrefix) && role == known) return std::string(role);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("has OU ", QuotedEscaped(unit),
                     ", which is not a role: exactly osfleet:viewer, osfleet:operator or "
                     "osfleet:agent"));
  }
  return std::string();
}

}  // namespace osfleet

#include "common/role.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace osfleet {

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

}  // namespace osfleet

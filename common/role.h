// Server roles as people write them in configs and inventories.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "osfleet/v1/types.pb.h"

namespace osfleet {

// "deployment_controller" (or "dc") | "front_end" (or "fe"); INVALID_ARGUMENT otherwise.
absl::StatusOr<v1::ServerRole> ParseRole(absl::string_view text);
// "deployment_controller", "front_end", "unspecified".
std::string RoleName(v1::ServerRole role);

}  // namespace osfleet

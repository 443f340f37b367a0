// --limit: which servers of the inventory a command runs on.
//   "dc01,fe0*"            names and globs
//   "role:front_end"       by role
//   "label:site=lisbon"    by label
//   "all,!fe03"            '!' excludes; exclusions apply after inclusions
#pragma once

#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "ctl/fleet/inventory.h"

namespace osfleet::ctl {

// Inventory order is kept. An empty expression selects every server. INVALID_ARGUMENT
// when a term is malformed or matches no server (a typo must not quietly shrink the run).
absl::StatusOr<std::vector<Server>> SelectServers(const std::vector<Server>& servers,
                                                  absl::string_view expression);

}  // namespace osfleet::ctl

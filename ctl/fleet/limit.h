// --limit: which servers of the inventory a command runs on.
//   "dc01,fe0*"            names and globs
//   "role:front_end"       by role
//   "label:site=lisbon"    by label
//   "all,!fe03"            '!' excludes; exclusions apply after inclusions
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "ctl/fleet/inventory.h"

namespace osfleet::ctl {

// Inventory order is kept. An empty expression selects every server. INVALID_ARGUMENT
// when a term is malformed or matches no server (a typo must not quietly shrink the run).
absl::StatusOr<std::vector<Server>> SelectServers(const std::vector<Server>& servers,
                                                  absl::string_view expression);

// What a shell may offer for the expression typed so far (`osctl __complete limit`): the
// term after the last comma completed to every term of this grammar that selects a server
// of `servers` ("all", names, role:ROLE, label:KEY=VALUE; with its '!' when the term has
// one), each after the earlier terms as typed. Terms already in the list are not offered
// again; none are offered twice.
std::vector<std::string> LimitCompletions(const std::vector<Server>& servers,
                                          absl::string_view typed);

}  // namespace osfleet::ctl

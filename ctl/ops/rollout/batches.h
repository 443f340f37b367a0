// How a rollout orders the fleet: the Deployment Controller alone first (Deployment and
// Scheduler services need it reachable to start), then the canary Front-Ends, then the
// other Front-Ends in batches.
#pragma once

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "osfleet/v1/types.pb.h"

namespace osfleet::ctl {

// "N" or "N%" of `total` (a percentage rounds up, so "25%" of 5 is 2). INVALID_ARGUMENT
// naming `flag` for anything else, or zero when !allow_zero.
absl::StatusOr<int> ParseCount(absl::string_view text, int total, absl::string_view flag,
                               bool allow_zero);

// Indexes of `roles` in batch order; every server appears exactly once.
std::vector<std::vector<size_t>> PlanBatches(const std::vector<v1::ServerRole>& roles, int canary,
                                             int batch_size);

}  // namespace osfleet::ctl

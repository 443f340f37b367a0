// What a rollout's events carry besides their text: where the rollout stands, and for a
// long step (Configuration Tool run, restart, rollback, Service Center phase) its progress.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace osfleet::ctl {

// Where a rollout stands.
struct RolloutPosition {
  int batch = 0;  // 1-based; 0 before the first batch
  int batches = 0;
  int done = 0;  // servers changed (pending or confirmed on the new address)
  int total = 0;
};

// A long step's progress (event kind "progress"): one start, heartbeats, then done or failed.
struct StepProgress {
  std::string state;  // start, heartbeat, done, failed
  std::string step;   // ConfigurationTool, ServiceRestart, Change, Rollback, ServiceCenter, ...
  absl::Duration elapsed;
  std::string log_line;  // the agent's latest Configuration Tool log line, when it has one
};

}  // namespace osfleet::ctl

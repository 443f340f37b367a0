// Heartbeats through a command's long call (rollout, sc run, services start|stop|restart,
// endpoints set with a Configuration Tool run or --restart):
// the interval from the hidden --heartbeat-interval, and a watch that prints one progress
// event per server and beat (ctl/ops/progress_watch.h) through the command's printer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ctl/fleet/context.h"
#include "ctl/ops/progress_watch.h"
#include "ctl/output/event_printer.h"

namespace osfleet::ctl {

// --heartbeat-interval (hidden; 50ms..15s, default 10s). INVALID_ARGUMENT naming the flag
// otherwise.
absl::StatusOr<absl::Duration> HeartbeatInterval(const GlobalOptions& options);

// While it lives, a heartbeat every `interval` for each of `targets`, printed by `printer`
// as a "progress" event of `step` (the agent's own step when it names one). Start and end
// are the command's own events (the stream it prints); this adds what comes between.
std::unique_ptr<ProgressWatch> WatchProgress(const FleetContext& ctx,
                                             const std::vector<Target>& targets,
                                             const std::string& step, absl::Duration interval,
                                             EventPrinter& printer);

}  // namespace osfleet::ctl

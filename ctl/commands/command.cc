#include "ctl/commands/command.h"

#include "common/duration.h"
#include "ctl/output/exit_code.h"

namespace osfleet::ctl {

int WithFleet(const GlobalOptions& global, const std::function<int(const FleetContext&)>& run) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(global);
  if (!ctx.ok()) return ReportError(ctx.status());
  return run(**ctx);
}

absl::StatusOr<FanOutOptions> RestartFanOut(FanOutOptions fanout, bool restart,
                                            const std::string& restart_timeout) {
  if (!restart) return fanout;
  absl::StatusOr<absl::Duration> d = ParseDuration(restart_timeout, "--restart-timeout");
  if (!d.ok()) return d.status();
  fanout.timeout = std::max(fanout.timeout, *d);
  return fanout;
}

}  // namespace osfleet::ctl

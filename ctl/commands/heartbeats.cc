#include "ctl/commands/heartbeats.h"

#include "absl/strings/str_cat.h"
#include "common/time/duration.h"
#include "ctl/output/status_line.h"

namespace osfleet::ctl {

absl::StatusOr<absl::Duration> HeartbeatInterval(const GlobalOptions& options) {
  absl::StatusOr<absl::Duration> d =
      ParseDuration(options.heartbeat_interval, "--heartbeat-interval");
  if (!d.ok()) return d.status();
  if (*d < absl::Milliseconds(50) || *d > absl::Seconds(15)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--heartbeat-interval: '", options.heartbeat_interval, "' is outside 50ms..15s"));
  }
  return *d;
}

std::unique_ptr<ProgressWatch> WatchProgress(const FleetContext& ctx,
                                             const std::vector<Target>& targets,
                                             const std::string& step, absl::Duration interval,
                                             EventPrinter& printer) {
  return std::make_unique<ProgressWatch>(
      targets, step, interval, ctx.fanout(), [&printer](const ProgressBeat& b) {
        StepProgress p{"heartbeat", b.step, b.elapsed, b.last_log_line};
        std::string text = absl::StrCat(b.step, " ", FormatElapsed(b.elapsed));
        if (!b.last_log_line.empty()) absl::StrAppend(&text, ": ", b.last_log_line);
        printer.Step("progress", b.server, text, false, RolloutPosition{}, &p);
      });
}

}  // namespace osfleet::ctl

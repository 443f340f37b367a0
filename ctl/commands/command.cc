#include "ctl/commands/command.h"

#include "absl/strings/str_cat.h"

#include "common/api/request_limits.h"
#include "common/time/duration.h"
#include "ctl/fleet/identity_check.h"
#include "ctl/output/exit_code.h"

namespace osfleet::ctl {

int WithFleet(const GlobalOptions& global, const std::function<int(const FleetContext&)>& run) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(global);
  if (!ctx.ok()) return ReportError(ctx.status());
  return run(**ctx);
}

int WithCheckedFleet(const GlobalOptions& global,
                     const std::function<int(const FleetContext&)>& run) {
  return WithFleet(global, [&run](const FleetContext& c) {
    if (absl::Status s = CheckFleetIdentities(c); !s.ok()) return ReportError(s);
    return run(c);
  });
}

absl::StatusOr<FanOutOptions> RestartFanOut(FanOutOptions fanout, bool restart,
                                            const std::string& restart_timeout) {
  if (!restart) return fanout;
  absl::StatusOr<absl::Duration> d = ParseDuration(restart_timeout, "--restart-timeout");
  if (!d.ok()) return d.status();
  fanout.timeout = std::max(fanout.timeout, *d);
  return fanout;
}

absl::Status CheckConfirmTimeout(absl::Duration window) {
  if (window > absl::ZeroDuration() && window <= kConfirmWithinBounds.max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--confirm-timeout: must be more than 0 and at most ",
                   absl::FormatDuration(kConfirmWithinBounds.max)));
}

absl::Status CheckLeaseFlags(const std::string& lease, const std::string& confirm_timeout) {
  absl::StatusOr<absl::Duration> l = ParseDuration(lease, "--lease");
  if (!l.ok()) return l.status();
  absl::StatusOr<absl::Duration> w = ParseDuration(confirm_timeout, "--confirm-timeout");
  if (!w.ok()) return w.status();
  if (absl::Status s = CheckConfirmTimeout(*w); !s.ok()) return s;
  if (*l < kLeaseBounds.min || *l > *w) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--lease ", lease, ": must be at least ", absl::FormatDuration(kLeaseBounds.min),
        " and at most --confirm-timeout (", confirm_timeout, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LeaseOrDefault(const std::string& lease,
                                           const std::string& confirm_timeout) {
  std::string chosen = lease;
  if (chosen.empty()) {
    absl::StatusOr<absl::Duration> w = ParseDuration(confirm_timeout, "--confirm-timeout");
    if (!w.ok()) return w.status();
    if (*w > absl::ZeroDuration() && *w < kLeaseBounds.min) {
      return absl::InvalidArgumentError(
          absl::StrCat("--confirm-timeout ", confirm_timeout, ": must be at least ",
                       absl::FormatDuration(kLeaseBounds.min), " (the shortest lease)"));
    }
    chosen = *w < *ParseDuration(kDefaultLease, "--lease") ? confirm_timeout : kDefaultLease;
  }
  if (absl::Status s = CheckLeaseFlags(chosen, confirm_timeout); !s.ok()) return s;
  return chosen;
}

}  // namespace osfleet::ctl

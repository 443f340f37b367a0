// Rollout: the fleet-wide hold on the Deployment Controller's agent (fleet_hold_keeper.h),
// so that two rollouts never change one fleet at once.
#include "absl/strings/str_cat.h"
#include "common/platform/test_pause.h"
#include "common/time/duration.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/exit_code.h"

namespace osfleet::ctl {
namespace {

// The hold's lease when the journal has none (a journal from before leases).
constexpr absl::Duration kDefaultHoldLease = absl::Minutes(1);

}  // namespace

absl::Status Rollout::TakeFleetHold() {
  if (hold_ != nullptr) return absl::OkStatus();
  platform::PauseIfAsked("rollout-before-hold");
  size_t dc = journal_.hosts.size();
  for (size_t i = 0; i < journal_.hosts.size(); ++i) {
    if (journal_.hosts[i].role == "deployment_controller") dc = i;
  }
  if (dc == journal_.hosts.size() || server_of_host_[dc] >= ctx_.servers().size()) {
    return Refuse(
        "no deployment_controller among the rollout's servers; the fleet hold (one rollout at "
        "a time) is kept by its agent");
  }
  absl::StatusOr<absl::Duration> lease = ParseDuration(journal_.options.lease, "--lease");
  const absl::Duration length =
      lease.ok() && *lease > absl::ZeroDuration() ? *lease : kDefaultHoldLease;
  const std::string& name = journal_.hosts[dc].name;
  absl::StatusOr<std::unique_ptr<FleetHoldKeeper>> taken =
      FleetHoldKeeper::Take(TargetsFor({dc})[0], name, journal_.id, length);
  if (!taken.ok()) {
    Emit("hold", name, std::string(taken.status().message()), true);
    return taken.status();
  }
  hold_ = *std::move(taken);
  platform::PauseIfAsked("rollout-after-hold");
  Emit("hold", name,
       absl::StrCat("fleet hold ", hold_->hold().hold_id(), " taken for rollout ", journal_.id));
  return absl::OkStatus();
}

absl::Status Rollout::CheckFleetHold() {
  if (hold_ == nullptr) return absl::OkStatus();
  absl::Status s = hold_->Check();
  if (!s.ok()) Emit("hold", "", std::string(s.message()), true);
  return s;
}

void Rollout::ReleaseFleetHold() {
  if (hold_ == nullptr) return;
  if (absl::Status s = hold_->Release(); !s.ok()) Emit("hold", "", std::string(s.message()), true);
  hold_.reset();
}

}  // namespace osfleet::ctl

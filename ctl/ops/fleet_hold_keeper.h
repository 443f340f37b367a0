// The fleet-wide hold a rollout keeps on the Deployment Controller's agent (Endpoints.
// TakeHold): one rollout at a time per fleet. Taken before the rollout's first change, it
// is renewed every third of its lease by a thread of its own (as LeaseKeeper renews the
// changes), checked before every step, and released when the rollout ends. A second
// rollout is refused up front (exit code 3), told who holds the fleet. When osctl dies or
// is paused, the hold ends one lease later and the fleet is free again.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/alarm.h"
#include "common/time/clock.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

class FleetHoldKeeper {
 public:
  // Takes the hold on `dc` (the Deployment Controller's agent, named dc_name) for
  // `rollout_id`. A refusal (another rollout holds the fleet, or the agent is not the
  // Deployment Controller) is marked refused (exit code 3) and names the holder.
  static absl::StatusOr<std::unique_ptr<FleetHoldKeeper>> Take(const Target& dc,
                                                               std::string dc_name,
                                                               const std::string& rollout_id,
                                                               absl::Duration lease,
                                                               const Clock* clock = Clock::Real());
  ~FleetHoldKeeper();  // stops renewing and releases the hold (if still held)
  FleetHoldKeeper(const FleetHoldKeeper&) = delete;
  FleetHoldKeeper& operator=(const FleetHoldKeeper&) = delete;

  // Renews now: OK while the hold is this rollout's; once lost (ended, taken over, not
  // renewed for a whole lease) FAILED_PRECONDITION saying why, for good.
  absl::Status Check();
  // Releases the hold now (idempotent); OK also when it had already ended.
  absl::Status Release();
  const v1::FleetHold& hold() const { return hold_; }

 private:
  FleetHoldKeeper(const Target& dc, std::string dc_name, v1::FleetHold hold, absl::Duration lease,
                  const Clock* clock);
  void RenewLoop();
  absl::Status RenewOnce();

  const Target dc_;
  const std::string dc_name_;
  const v1::FleetHold hold_;
  const absl::Duration lease_;
  const Clock* clock_;
  absl::Mutex pass_mu_;  // one renewal at a time
  mutable absl::Mutex mu_;
  absl::Status lost_ ABSL_GUARDED_BY(mu_);
  absl::Duration last_renewed_ ABSL_GUARDED_BY(mu_);  // Monotonic()
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Alarm alarm_;
  std::thread renewer_;
};

}  // namespace osfleet::ctl

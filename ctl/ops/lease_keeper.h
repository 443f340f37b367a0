// The leases of the changes osctl holds on agents (Endpoints.Renew). While a rollout or
// an all-or-nothing `endpoints set` works, a thread of its own renews every held lease
// every third of a lease, in one fan-out; each agent answers with where its change
// stands. Check() renews every lease in one pass and says which changes are no longer
// held (reverted, being reverted, unknown, or not reachable): the caller verifies with it
// before every step, and so learns at once when a pause or a cut network let a lease end.
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/alarm.h"
#include "common/time/clock.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

struct HeldChange {
  std::string name;  // the server
  Target target;
  std::string change_id;
};

// One lease as the last pass found it.
struct LeaseCheck {
  std::string name;
  std::string change_id;
  bool held = false;   // the agent renewed it: the change is still pending there
  std::string reason;  // why not, e.g. "reverted: its lease of 30s ended 4.1s ago ..."
  bool unreachable = false;
};

class LeaseKeeper {
 public:
  // lease: what each renewal asks for. The renewal calls' deadline is a third of it.
  LeaseKeeper(absl::Duration lease, int concurrency, const Clock* clock = Clock::Real());
  ~LeaseKeeper();  // stops renewing (the agents revert one lease later)
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  absl::Duration lease() const { return lease_; }
  // Starts holding (and renewing) a change; a server holds one change at a time.
  void Hold(HeldChange change);
  // Stops renewing a server's change (confirmed, rolled back or given up).
  void Release(const std::string& name);
  std::vector<std::string> Held() const;

  // Renews every held lease now, in one pass; one result per held change.
  std::vector<LeaseCheck> Check();
  // The renewal passes done so far by the background thread and by Check().
  int passes() const;

 private:
  void RenewLoop();

  const absl::Duration lease_;
  const int concurrency_;
  const Clock* clock_;
  mutable absl::Mutex mu_;
  std::vector<HeldChange> held_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int passes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex pass_mu_;  // one pass at a time
  Alarm alarm_;
  std::thread renewer_;
};

// "dc01: reverted: its lease of 30s ended ...; fe02: not reachable (...)".
std::string DescribeLost(const std::vector<LeaseCheck>& checks);
// The checks whose change is no longer held.
std::vector<LeaseCheck> LostOnly(const std::vector<LeaseCheck>& checks);

}  // namespace osfleet::ctl

// Ctrl-C during a rollout, with a person at the terminal (stdin a terminal, no --yes): the
// rollout asks before it sets off a rollback, and says what it will do:
//   fe03's Configuration Tool run goes on on the server; then osctl puts dc01, fe01, fe02
//   back on the old address. Roll back? [y/N] (Ctrl-C again: yes)
// y (or a second Ctrl-C while asking) sets the rollout's stop flag: it stops at its next
// safe point and rolls back, as an unasked Ctrl-C does (rollout.h CatchInterrupt); a
// further Ctrl-C explains why it waits, the one after ends osctl at once. Anything else
// goes on with the rollout; the next Ctrl-C asks again. The rollout starts no new step
// while the question is open (WaitWhileAsking); the step in progress goes on meanwhile.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/console.h"

namespace osfleet::ctl {

// What the rollout's events say is going on: the long step running on each server, and
// the servers this run has changed (their change or Configuration Tool step done).
struct RolloutActivity {
  std::map<std::string, std::string> running;  // server -> step (ctl/output/progress.h)
  std::vector<std::string> changed;
};

// Updates `a` with one event of the rollout.
void ObserveRolloutEvent(RolloutActivity& a, const RolloutEvent& e);

// The question for `a`, without "[y/N]".
std::string InterruptQuestion(const RolloutActivity& a);

class InterruptPrompt {
 public:
  // flag: what the rollout polls; requests: counted by the stop-request handler
  // (platform::CountInterrupts); both outlive the process.
  InterruptPrompt(std::atomic<bool>* flag, std::atomic<int>* requests, Console* console);
  ~InterruptPrompt();

  // From now on each Ctrl-C is counted and answered by the question (a thread of its own).
  void Start();
  // The question is no longer asked (the rollout is over); joins the thread.
  void Stop();
  // Sees every event of the rollout (any thread).
  void Observe(const RolloutEvent& e);
  // Returns once no question is open (at once when none is, or when not started).
  void WaitWhileAsking();

 private:
  void Loop();
  void Ask();
  void AfterStop(int request);  // the requests after a yes: explain, then end osctl

  std::atomic<bool>* const flag_;
  std::atomic<int>* const requests_;
  Console* const console_;
  absl::Mutex mu_;
  RolloutActivity activity_ ABSL_GUARDED_BY(mu_);
  bool asking_ ABSL_GUARDED_BY(mu_) = false;
  int handled_ ABSL_GUARDED_BY(mu_) = 0;  // requests answered so far
  bool started_ = false;                  // main thread only
  int after_stop_ = 0;                    // the watcher thread only
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace osfleet::ctl

// A wait for a Monotonic() deadline that another thread can cut short: the agent's
// timers (confirm windows, leases). A wall-clock jump never wakes it early or late: on
// the real clock it waits on std::chrono::steady_clock.
#pragma once

#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"
#include "common/time/clock.h"

namespace osfleet {

class Alarm {
 public:
  explicit Alarm(const Clock* clock) : clock_(clock) {}
  Alarm(const Alarm&) = delete;
  Alarm& operator=(const Alarm&) = delete;

  // Returns when clock->Monotonic() reaches `deadline` (false) or Ring() was called
  // since the last wait returned (true). InfiniteDuration(): until rung.
  bool WaitUntil(absl::Duration deadline);
  // Ends the current (or the next) wait.
  void Ring();
  // For clocks that move by hand: re-check the deadline now.
  void Poke();

 private:
  const Clock* clock_;
  // std::mutex, so not seen by -Wthread-safety: the real clock's wait must follow
  // steady_clock, and this Abseil's (20220623) timed waits sleep until a wall-clock time.
  std::mutex mu_;
  std::condition_variable cv_;
  bool rung_ = false;  // guarded by mu_
};

}  // namespace osfleet

// A clock that moves only when a test says so. Threads waiting on it
// (Clock::AwaitWithDeadline) wake when Advance() passes their deadline, so a confirm
// window of ten minutes is tested in microseconds and without sleeping.
#pragma once

#include <atomic>
#include <map>
#include <set>

#include "absl/synchronization/mutex.h"
#include "common/time/clock.h"

namespace osfleet::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000))
      : start_(start), now_(start) {}

  absl::Time Now() const override;
  // Starts at 1h (a real steady clock is never near zero either).
  absl::Duration Monotonic() const override;
  bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                         absl::Time deadline) const override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool WaitsInRealTime() const override { return false; }
  void Watch(Alarm* alarm, absl::Duration deadline) const override;
  void Unwatch(Alarm* alarm) const override;

  // Sets the wall clock (as an administrator or NTP would); Monotonic() does not move.
  void SetWallClock(absl::Time t);

  // Moves time forward and wakes every waiter whose deadline has come.
  void Advance(absl::Duration d);
  // Blocks until at least `n` threads wait on this clock with a deadline (up to `limit`
  // of real time); false if they did not. Lets a test know a timer is armed.
  bool WaitForWaiters(int n, absl::Duration limit = absl::Seconds(30)) const;
  // The earliest deadline a thread or an alarm waits for, on the wall clock as it stands
  // now; InfiniteFuture when none waits.
  absl::Time NextDeadline() const;
  // The earliest Monotonic() deadline an Alarm waits for; InfiniteDuration when none.
  absl::Duration NextAlarm() const;

 private:
  static constexpr absl::Duration kMonotonicStart = absl::Hours(1);
  const absl::Time start_;
  // Nanoseconds moved so far: read without the lock (Alarm checks it under its own).
  std::atomic<int64_t> elapsed_ns_{0};
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  mutable std::map<Alarm*, absl::Duration> alarms_ ABSL_GUARDED_BY(mu_);
  // Waiters: their mutex (locked and unlocked by Advance so that they re-check) and
  // deadline.
  mutable std::multiset<std::pair<absl::Time, absl::Mutex*>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace osfleet::testing

#include "tests/fakes/fake_clock.h"

#include <vector>

#include "common/time/alarm.h"

namespace osfleet::testing {

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

absl::Duration FakeClock::Monotonic() const {
  return kMonotonicStart + absl::Nanoseconds(elapsed_ns_.load());
}

void FakeClock::SetWallClock(absl::Time t) {
  absl::MutexLock lock(&mu_);
  now_ = t;
}

void FakeClock::Watch(Alarm* alarm, absl::Duration deadline) const {
  absl::MutexLock lock(&mu_);
  alarms_[alarm] = deadline;
}

void FakeClock::Unwatch(Alarm* alarm) const {
  absl::MutexLock lock(&mu_);
  alarms_.erase(alarm);
}

absl::Duration FakeClock::NextAlarm() const {
  absl::MutexLock lock(&mu_);
  absl::Duration next = absl::InfiniteDuration();
  for (const auto& [alarm, deadline] : alarms_) next = std::min(next, deadline);
  return next;
}

bool FakeClock::AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                                  absl::Time deadline) const {
  struct Wait {
    const FakeClock* clock;
    const absl::Condition* cond;
    absl::Time deadline;
  } wait{this, &cond, deadline};
  decltype(waiters_)::iterator entry;
  {
    absl::MutexLock lock(&mu_);
    entry = waiters_.emplace(deadline, mu);
  }
  mu->Await(absl::Condition(
      +[](Wait* w) { return w->cond->Eval() || w->clock->Now() >= w->deadline; }, &wait));
  {
    absl::MutexLock lock(&mu_);
    waiters_.erase(entry);
  }
  return cond.Eval();
}

void FakeClock::Advance(absl::Duration d) {
  std::vector<absl::Mutex*> due;
  {
    absl::MutexLock lock(&mu_);
    now_ += d;
    elapsed_ns_ += absl::ToInt64Nanoseconds(d);
    for (const auto& [deadline, mu] : waiters_) {
      if (deadline <= now_) due.push_back(mu);
    }
    // Poked under mu_ so that an alarm cannot be unwatched (and destroyed) meanwhile.
    const absl::Duration mono = Monotonic();
    for (const auto& [alarm, deadline] : alarms_) {
      if (deadline <= mono) alarm->Poke();
    }
  }
  // A waiter's condition is evaluated again when its mutex is released.
  for (absl::Mutex* mu : due) {
    mu->Lock();
    mu->Unlock();
  }
}

bool FakeClock::WaitForWaiters(int n, absl::Duration limit) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(waiters_.size() + alarms_.size()) >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), limit);
}

absl::Time FakeClock::NextDeadline() const {
  absl::MutexLock lock(&mu_);
  absl::Time next = waiters_.empty() ? absl::InfiniteFuture() : waiters_.begin()->first;
  // An alarm's deadline on the wall clock, as it stands now.
  const absl::Duration mono = Monotonic();
  for (const auto& [alarm, deadline] : alarms_) next = std::min(next, now_ + (deadline - mono));
  return next;
}

}  // namespace osfleet::testing

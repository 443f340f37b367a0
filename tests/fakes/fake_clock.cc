#include "tests/fakes/fake_clock.h"

#include <vector>

namespace osfleet::testing {

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
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
    for (const auto& [deadline, mu] : waiters_) {
      if (deadline <= now_) due.push_back(mu);
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
    return static_cast<int>(waiters_.size()) >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), limit);
}

absl::Time FakeClock::NextDeadline() const {
  absl::MutexLock lock(&mu_);
  return waiters_.empty() ? absl::InfiniteFuture() : waiters_.begin()->first;
}

}  // namespace osfleet::testing

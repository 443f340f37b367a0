// Time as timers see it: the real clock in the programs, a clock a test moves by hand
// (tests/fakes/fake_clock.h), so that windows and deadlines are tested without sleeping.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace osfleet {

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() const = 0;
  // With *mu held: waits until `cond` holds or Now() reaches `deadline`, releasing *mu
  // meanwhile (absl::Mutex::AwaitWithDeadline). Returns whether `cond` holds.
  virtual bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                                 absl::Time deadline) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;

  // The process's wall clock; lives for the whole process.
  static const Clock* Real();
};

}  // namespace osfleet

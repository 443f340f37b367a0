// Time as timers see it: the real clock in the programs, a clock a test moves by hand
// (tests/fakes/fake_clock.h), so that windows and deadlines are tested without sleeping.
//
// Two kinds of time: Now() is the wall clock (for records, messages and what survives a
// restart); Monotonic() never jumps when the wall clock is set, and is what confirm
// windows and leases are measured with inside a process.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace osfleet {

class Alarm;

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() const = 0;
  // Time since an arbitrary start; steady.
  virtual absl::Duration Monotonic() const = 0;
  // With *mu held: waits until `cond` holds or Now() reaches `deadline`, releasing *mu
  // meanwhile (absl::Mutex::AwaitWithDeadline). Returns whether `cond` holds.
  virtual bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                                 absl::Time deadline) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;

  // For Alarm: whether the OS can wait for a Monotonic() deadline itself (the real
  // clock); a clock that moves by hand wakes its alarms from Advance() instead.
  virtual bool WaitsInRealTime() const { return true; }
  virtual void Watch(Alarm* /*alarm*/, absl::Duration /*deadline*/) const {}
  virtual void Unwatch(Alarm* /*alarm*/) const {}

  // The process's clocks; lives for the whole process.
  static const Clock* Real();
};

}  // namespace osfleet

// Alarm: a monotonic deadline, cut short by Ring(); on the real clock and on one a test
// moves (without sleeping).
#include "common/time/alarm.h"

#include <thread>

#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet {
namespace {

using ::osfleet::testing::FakeClock;

TEST(AlarmTest, RealClockWaitEndsAtTheDeadline) {
  const Clock* clock = Clock::Real();
  Alarm alarm(clock);
  const absl::Duration start = clock->Monotonic();
  EXPECT_FALSE(alarm.WaitUntil(start + absl::Milliseconds(20)));
  EXPECT_GE(clock->Monotonic() - start, absl::Milliseconds(20));
}

TEST(AlarmTest, RingEndsTheWaitAndIsNotLostWhenItComesFirst) {
  Alarm alarm(Clock::Real());
  alarm.Ring();  // before the wait: the wait returns at once
  EXPECT_TRUE(alarm.WaitUntil(absl::InfiniteDuration()));
  std::thread ringer([&] { alarm.Ring(); });
  EXPECT_TRUE(alarm.WaitUntil(absl::InfiniteDuration()));
  ringer.join();
}

TEST(AlarmTest, FakeClockWakesItOnlyWhenMovedPastTheDeadline) {
  FakeClock clock;
  Alarm alarm(&clock);
  const absl::Duration deadline = clock.Monotonic() + absl::Minutes(10);
  bool rung = true;
  std::thread waiter([&] { rung = alarm.WaitUntil(deadline); });
  ASSERT_TRUE(clock.WaitForWaiters(1));
  EXPECT_EQ(clock.NextAlarm(), deadline);
  clock.SetWallClock(clock.Now() + absl::Hours(5));  // the wall clock does not count
  clock.Advance(absl::Minutes(9));
  EXPECT_EQ(clock.NextAlarm(), deadline);  // still waiting
  clock.Advance(absl::Minutes(1));
  waiter.join();
  EXPECT_FALSE(rung);
  EXPECT_EQ(clock.NextAlarm(), absl::InfiniteDuration());
}

}  // namespace
}  // namespace osfleet

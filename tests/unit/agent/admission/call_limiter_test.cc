// The global cap of calls in progress: slots are refused over the cap and freed exactly
// once, whichever copy goes last.
#include "agent/admission/call_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace osfleet::agent {
namespace {

TEST(CallLimiterTest, RefusesOverTheCapAndFreesOnRelease) {
  CallLimiter limiter(2);
  absl::StatusOr<CallSlot> a = limiter.Acquire();
  absl::StatusOr<CallSlot> b = limiter.Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  absl::StatusOr<CallSlot> c = limiter.Acquire();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(c.status().message(), ::testing::HasSubstr("too many calls in progress (2)"));
  EXPECT_EQ(limiter.in_flight(), 2);
  a->reset();
  EXPECT_EQ(limiter.in_flight(), 1);
  EXPECT_TRUE(limiter.Acquire().ok());  // acquired and released at once
  EXPECT_EQ(limiter.in_flight(), 1);
}

TEST(CallLimiterTest, CopiesReleaseOnce) {
  CallLimiter limiter(1);
  {
    CallSlot slot = *limiter.Acquire();
    std::vector<CallSlot> copies(5, slot);
    slot.reset();
    EXPECT_EQ(limiter.in_flight(), 1);
  }
  EXPECT_EQ(limiter.in_flight(), 0);
  EXPECT_TRUE(limiter.Acquire().ok());
}

}  // namespace
}  // namespace osfleet::agent

namespace osfleet::agent {
namespace {

TEST(CallLimiterTest, LongCallsNeverTakeTheReservedSlots) {
  CallLimiter limiter(4, 2);
  EXPECT_EQ(limiter.max_long(), 2);
  std::vector<CallSlot> held;
  held.push_back(*limiter.Acquire(CallKind::kLong));
  held.push_back(*limiter.Acquire(CallKind::kLong));
  absl::StatusOr<CallSlot> third_long = limiter.Acquire(CallKind::kLong);
  EXPECT_EQ(third_long.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third_long.status().message(),
              ::testing::HasSubstr("too many long calls in progress (2)"));
  // The reserve is there for Confirm, Renew, Rollback and reads.
  held.push_back(*limiter.Acquire(CallKind::kCritical));
  held.push_back(*limiter.Acquire(CallKind::kCritical));
  EXPECT_FALSE(limiter.Acquire(CallKind::kCritical).ok());
  EXPECT_EQ(limiter.in_flight(), 4);
}

TEST(CallLimiterTest, CriticalCallsMayUseEverySlot) {
  CallLimiter limiter(3, 1);
  std::vector<CallSlot> held;
  for (int i = 0; i < 3; ++i) held.push_back(*limiter.Acquire(CallKind::kCritical));
  // With critical calls in flight a long call is refused too: only the reserve is
  // protected, not a share for long calls.
  EXPECT_FALSE(limiter.Acquire(CallKind::kLong).ok());
}

TEST(CallLimiterTest, ReserveIsAQuarterAndLeavesLongCallsAtLeastOne) {
  EXPECT_EQ(CriticalReserve(64), 16);
  EXPECT_EQ(CriticalReserve(2), 1);
  EXPECT_EQ(CriticalReserve(1), 0);
  CallLimiter single(1, CriticalReserve(1));
  EXPECT_TRUE(single.Acquire(CallKind::kLong).ok());
  CallLimiter clamped(2, 5);
  EXPECT_EQ(clamped.max_long(), 1);
}

}  // namespace
}  // namespace osfleet::agent

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

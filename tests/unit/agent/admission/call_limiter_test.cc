// The caps of calls in progress: slots are refused over each cap (total, reserve, viewers,
// long calls, probes per role) with a message naming it, and freed exactly once, whichever
// copy goes last.
#include "agent/admission/call_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

// Every cap as wide as the total: only max_calls and the reserve count.
CallLimits Only(int max_calls, int reserve = 0) {
  return CallLimits{max_calls, reserve, max_calls, max_calls, max_calls, max_calls};
}

TEST(CallLimiterTest, RefusesOverTheCapAndFreesOnRelease) {
  CallLimiter limiter(Only(2));
  absl::StatusOr<CallSlot> a = limiter.Acquire(CallClass::kRead);
  absl::StatusOr<CallSlot> b = limiter.Acquire(CallClass::kRead);
  ASSERT_TRUE(a.ok() && b.ok());
  absl::StatusOr<CallSlot> c = limiter.Acquire(CallClass::kRead);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(c.status().message(), "too many calls in progress (2); try again shortly");
  EXPECT_EQ(limiter.in_flight(), 2);
  a->reset();
  EXPECT_EQ(limiter.in_flight(), 1);
  EXPECT_TRUE(limiter.Acquire(CallClass::kRead).ok());  // acquired and released at once
  EXPECT_EQ(limiter.in_flight(), 1);
}

TEST(CallLimiterTest, CopiesReleaseOnce) {
  CallLimiter limiter(Only(1));
  {
    CallSlot slot = *limiter.Acquire(CallClass::kProbe, /*viewer=*/true);
    std::vector<CallSlot> copies(5, slot);
    slot.reset();
    EXPECT_EQ(limiter.in_flight(), 1);
  }
  EXPECT_EQ(limiter.in_flight(), 0);
  EXPECT_TRUE(limiter.Acquire(CallClass::kProbe, /*viewer=*/true).ok());
}

TEST(CallLimiterTest, TheReserveIsOnlyForConfirmRenewAndRollback) {
  CallLimiter limiter(Only(4, 2));
  std::vector<CallSlot> held;
  held.push_back(*limiter.Acquire(CallClass::kRead));
  held.push_back(*limiter.Acquire(CallClass::kLong));
  for (CallClass cls : {CallClass::kRead, CallClass::kLong, CallClass::kProbe}) {
    absl::StatusOr<CallSlot> refused = limiter.Acquire(cls);
    EXPECT_EQ(refused.status().message(),
              "too many calls in progress (2 of 4; 2 are kept for Confirm, Renew and Rollback); "
              "try again shortly");
  }
  held.push_back(*limiter.Acquire(CallClass::kReserved));
  held.push_back(*limiter.Acquire(CallClass::kReserved));
  EXPECT_THAT(std::string(limiter.Acquire(CallClass::kReserved).status().message()),
              HasSubstr("too many calls in progress (4)"));
  EXPECT_EQ(limiter.in_flight(), 4);
}

TEST(CallLimiterTest, ViewersHaveACapOfTheirOwn) {
  CallLimiter limiter(CallLimits{10, 2, 3, 8, 8, 8});
  std::vector<CallSlot> held;
  for (int i = 0; i < 3; ++i) held.push_back(*limiter.Acquire(CallClass::kRead, true));
  EXPECT_EQ(limiter.Acquire(CallClass::kRead, true).status().message(),
            "too many calls from viewers in progress (3); try again shortly");
  EXPECT_FALSE(limiter.Acquire(CallClass::kProbe, true).ok());
  // Operators still have everything the viewers may not take.
  for (int i = 0; i < 5; ++i) held.push_back(*limiter.Acquire(CallClass::kLong, false));
  held.push_back(*limiter.Acquire(CallClass::kReserved, false));
  held.push_back(*limiter.Acquire(CallClass::kReserved, false));
  EXPECT_EQ(limiter.in_flight(), 10);
}

TEST(CallLimiterTest, ProbesHaveCapsPerRoleWithinTheLongCalls) {
  CallLimiter limiter(CallLimits{64, 8, 16, 5, 3, 2});
  std::vector<CallSlot> held;
  held.push_back(*limiter.Acquire(CallClass::kProbe, true));
  held.push_back(*limiter.Acquire(CallClass::kProbe, true));
  EXPECT_EQ(limiter.Acquire(CallClass::kProbe, true).status().message(),
            "too many Probe calls from viewers in progress (2); try again shortly");
  // A viewer's probes never take an operator's.
  held.push_back(*limiter.Acquire(CallClass::kProbe, false));
  held.push_back(*limiter.Acquire(CallClass::kProbe, false));
  held.push_back(*limiter.Acquire(CallClass::kProbe, false));
  EXPECT_EQ(limiter.Acquire(CallClass::kProbe, false).status().message(),
            "too many long calls in progress (5); try again shortly");
  EXPECT_FALSE(limiter.Acquire(CallClass::kLong, false).ok());
  held.pop_back();
  EXPECT_TRUE(limiter.Acquire(CallClass::kLong, false).ok());
  // Reads are not long calls.
  EXPECT_TRUE(limiter.Acquire(CallClass::kRead, true).ok());
}

TEST(CallLimiterTest, OperatorProbesHaveTheirCap) {
  CallLimiter limiter(CallLimits{64, 8, 16, 48, 1, 1});
  CallSlot held = *limiter.Acquire(CallClass::kProbe, false);
  EXPECT_EQ(limiter.Acquire(CallClass::kProbe, false).status().message(),
            "too many Probe calls in progress (1); try again shortly");
  EXPECT_TRUE(limiter.Acquire(CallClass::kProbe, true).ok());
}

TEST(CallLimiterTest, LimitsForTheConfiguredCap) {
  const CallLimits d = LimitsFor(64);
  EXPECT_EQ(d.max_calls, 64);
  EXPECT_EQ(d.reserve, 8);
  EXPECT_EQ(d.max_viewer, 16);
  EXPECT_EQ(d.max_long, 48);
  EXPECT_EQ(d.max_probes, 8);
  EXPECT_EQ(d.max_viewer_probes, 4);
  const CallLimits one = LimitsFor(1);
  EXPECT_EQ(one.reserve, 0);
  EXPECT_EQ(one.max_viewer, 1);
  EXPECT_EQ(one.max_long, 1);
  EXPECT_EQ(one.max_probes, 1);
  EXPECT_EQ(one.max_viewer_probes, 1);
  CallLimiter single(one);
  EXPECT_TRUE(single.Acquire(CallClass::kProbe, true).ok());
  const CallLimits two = LimitsFor(2);
  EXPECT_EQ(two.reserve, 1);
  EXPECT_EQ(two.max_long, 1);
}

}  // namespace
}  // namespace osfleet::agent

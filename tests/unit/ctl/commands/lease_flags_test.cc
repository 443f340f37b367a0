// --lease and --confirm-timeout: the lease defaults to the shorter of 30s and the window,
// so a window alone is never refused for a lease nobody gave; a given lease longer than
// the window still is.
#include "ctl/commands/command.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

TEST(LeaseOrDefaultTest, WithoutLeaseTakesTheShorterOf30sAndTheWindow) {
  struct Case {
    std::string confirm_timeout, want;
  };
  for (const Case& c : {Case{"10m", "30s"}, Case{"30s", "30s"}, Case{"20s", "20s"},
                        Case{"1s", "1s"}, Case{"500ms", "500ms"}, Case{"24h", "30s"}}) {
    absl::StatusOr<std::string> lease = LeaseOrDefault("", c.confirm_timeout);
    ASSERT_OK(lease) << c.confirm_timeout;
    EXPECT_EQ(*lease, c.want) << c.confirm_timeout;
  }
}

TEST(LeaseOrDefaultTest, AGivenLeaseIsKeptAndChecked) {
  absl::StatusOr<std::string> given = LeaseOrDefault("45s", "10m");
  ASSERT_OK(given);
  EXPECT_EQ(*given, "45s");
  absl::StatusOr<std::string> longer = LeaseOrDefault("30s", "20s");
  ASSERT_FALSE(longer.ok());
  EXPECT_THAT(longer, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(longer.status().message(),
              HasSubstr("--lease 30s: must be at least 500ms and at most --confirm-timeout (20s)"));
  EXPECT_THAT(LeaseOrDefault("100ms", "10m").status().message(), HasSubstr("--lease 100ms"));
}

TEST(LeaseOrDefaultTest, BadWindowsNameTheWindowNotTheLease) {
  for (const char* window : {"200ms", "0s", "25h", "soon"}) {
    absl::StatusOr<std::string> lease = LeaseOrDefault("", window);
    ASSERT_FALSE(lease.ok()) << window;
    EXPECT_THAT(lease, StatusIs(absl::StatusCode::kInvalidArgument)) << window;
    EXPECT_THAT(lease.status().message(), HasSubstr("--confirm-timeout")) << window;
    EXPECT_THAT(lease.status().message(), ::testing::Not(HasSubstr("--lease"))) << window;
  }
}

// The window's bounds are the agent's (kConfirmWithinBounds), for `endpoints set` and
// `rollout` alike; zero, which the agent takes for "no window", is no --confirm-timeout.
TEST(ConfirmTimeoutTest, TheAgentsBoundsSaidInTheFlagsWords) {
  EXPECT_TRUE(CheckConfirmTimeout(absl::Hours(24)).ok());
  EXPECT_TRUE(CheckConfirmTimeout(absl::Nanoseconds(1)).ok());
  for (absl::Duration window :
       {absl::ZeroDuration(), -absl::Seconds(1), absl::Hours(24) + absl::Nanoseconds(1)}) {
    const absl::Status s = CheckConfirmTimeout(window);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << window;
    EXPECT_EQ(s.message(), "--confirm-timeout: must be more than 0 and at most 24h") << window;
  }
}

}  // namespace
}  // namespace osfleet::ctl

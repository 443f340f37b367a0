#include "common/api/request_limits.h"
#include "tests/support/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RequestLimits, DurationsInsideTheirBoundsAreAccepted) {
  EXPECT_OK(CheckDuration("min_healthy", absl::ZeroDuration(), kMinHealthyBounds));
  EXPECT_OK(CheckDuration("min_healthy", absl::Hours(1), kMinHealthyBounds));
  EXPECT_OK(CheckDuration("lease", absl::Milliseconds(500), kLeaseBounds));
  EXPECT_FALSE(CheckDuration("lease", absl::Milliseconds(100), kLeaseBounds).ok());
}

TEST(RequestLimits, DurationsOutsideNameTheFieldTheBoundsAndTheValue) {
  absl::Status s = CheckDuration("min_healthy", absl::Hours(100000), kMinHealthyBounds);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(s.message(), "min_healthy: must be between 0 and 1h, got 100000h");
  s = CheckDuration("deadline", absl::Milliseconds(999), kPhaseDeadlineBounds);
  EXPECT_THAT(s.message(), HasSubstr("deadline: must be between 1s and 24h, got 999ms"));
  EXPECT_FALSE(CheckDuration("x", -absl::Nanoseconds(1), kConfirmWithinBounds).ok());
  EXPECT_FALSE(CheckDuration("x", absl::InfiniteDuration(), kConfirmWithinBounds).ok());
}

TEST(RequestLimits, SizesAndCounts) {
  EXPECT_OK(CheckSize("reason", std::string(kMaxReasonBytes, 'r'), kMaxReasonBytes));
  absl::Status s = CheckSize("reason", std::string(kMaxReasonBytes + 1, 'r'), kMaxReasonBytes);
  EXPECT_EQ(s.message(), "reason: 1025 bytes, at most 1024 allowed");
  EXPECT_OK(CheckCount("changes", 3, kMaxChanges));
  EXPECT_EQ(CheckCount("changes", 4, kMaxChanges).message(),
            "changes: 4 entries, at most 3 allowed");
}

}  // namespace
}  // namespace osfleet

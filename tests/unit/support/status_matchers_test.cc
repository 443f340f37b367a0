// The status assertions and matchers: what they accept for each status type, and that a
// failure says the code and the message.
#include "tests/support/status_matchers.h"

#include "gtest/gtest-spi.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StatusMatchersTest, OkAndCodesOfEveryStatusType) {
  EXPECT_OK(absl::OkStatus());
  EXPECT_OK(absl::StatusOr<int>(1));
  EXPECT_OK(grpc::Status::OK);
  EXPECT_THAT(absl::NotFoundError("no such change"), Not(IsOk()));
  EXPECT_THAT(absl::StatusOr<int>(absl::AbortedError("x")), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "lease: too short"),
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("lease")));
  EXPECT_THAT(absl::InvalidArgumentError("lease: too short"),
              StatusIs(absl::StatusCode::kInvalidArgument, "lease: too short"));
  EXPECT_THAT(absl::InvalidArgumentError("lease"),
              Not(StatusIs(absl::StatusCode::kInvalidArgument, "reason")));
  EXPECT_THAT(absl::InvalidArgumentError("lease"), Not(StatusIs(absl::StatusCode::kNotFound)));
}

TEST(StatusMatchersTest, AFailureSaysTheCodeAndTheMessage) {
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(absl::InvalidArgumentError("lease: too short")),
                          "is not OK: INVALID_ARGUMENT: lease: too short");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_OK(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "needs operator")),
      "PERMISSION_DENIED: needs operator");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(absl::StatusOr<int>(absl::NotFoundError("gone")),
                                      StatusIs(absl::StatusCode::kAborted)),
                          "NOT_FOUND: gone");
  EXPECT_FATAL_FAILURE(ASSERT_OK(absl::UnavailableError("down")), "UNAVAILABLE: down");
}

}  // namespace
}  // namespace osfleet::testing

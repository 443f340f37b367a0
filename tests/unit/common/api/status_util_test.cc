#include "common/api/status_util.h"

#include "common/text/utf8.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;

// Every status the agent sends leaves through ToGrpcStatus: its message is valid UTF-8, so
// that clients which decode it (Python, grpcurl) do not fail.
TEST(StatusUtilTest, MessagesBecomeValidUtf8BothWays) {
  const grpc::Status out = ToGrpcStatus(absl::FailedPreconditionError("restart: \xFF\xFE caf\xC3"));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(out.error_message(), "restart: \xEF\xBF\xBD\xEF\xBF\xBD caf\xEF\xBF\xBD");
  const absl::Status in = FromGrpcStatus(grpc::Status(grpc::StatusCode::INTERNAL, "a\xE9"));
  EXPECT_THAT(in, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(in.message(), "a\xEF\xBF\xBD");
  EXPECT_OK(ToGrpcStatus(absl::OkStatus()));
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("S\xC3\xA3o")).error_message(), "S\xC3\xA3o");
}

}  // namespace
}  // namespace osfleet

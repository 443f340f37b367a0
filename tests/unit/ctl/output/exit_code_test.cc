// One mapping from status to exit code: typed (a refusal is a payload), never the text.
#include "ctl/output/exit_code.h"

#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;

TEST(ExitCodeTest, StatusCodesMapToTheDocumentedExitCodes) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), kExitOk);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("--timeout: soon")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("inventory.yaml not found")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("dc01 did not answer")), kExitFailed);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("could not confirm")), kExitFailed);
  EXPECT_EQ(ExitCodeFor(absl::CancelledError("interrupted")), kExitFailed);
}

TEST(ExitCodeTest, RefusedIsAPayloadNotAWordInTheMessage) {
  const absl::Status text_only = absl::FailedPreconditionError("refused: not reachable");
  EXPECT_FALSE(IsRefused(text_only));
  EXPECT_EQ(ExitCodeFor(text_only), kExitFailed);
  const absl::Status marked = MarkRefused(absl::FailedPreconditionError("no such word here"));
  EXPECT_TRUE(IsRefused(marked));
  EXPECT_EQ(ExitCodeFor(marked), kExitRefused);
  EXPECT_TRUE(marked.GetPayload("type.osfleet.dev/refused").has_value());
}

TEST(ExitCodeTest, MarkingKeepsCodeAndMessageAndSurvivesCopies) {
  const absl::Status marked = MarkRefused(absl::FailedPreconditionError("refused: why"));
  EXPECT_THAT(marked, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(marked.message(), "refused: why");
  const absl::Status copy = marked;
  EXPECT_TRUE(IsRefused(copy));
  EXPECT_EQ(ExitCodeFor(MarkRefused(absl::InvalidArgumentError("x"))), kExitRefused);
}

TEST(ExitCodeTest, AnOkStatusCannotBeRefused) {
  EXPECT_OK(MarkRefused(absl::OkStatus()));
  EXPECT_FALSE(IsRefused(MarkRefused(absl::OkStatus())));
  EXPECT_EQ(ExitCodeFor(MarkRefused(absl::OkStatus())), kExitOk);
}

HostFailure Failure(grpc::StatusCode code) { return {nullptr, grpc::Status(code, "")}; }

TEST(ExitCodeTest, HostFailures) {
  EXPECT_EQ(ExitCodeForHosts({}, kExitFailed), kExitOk);
  EXPECT_EQ(ExitCodeForHosts({}, kExitRefused), kExitOk);
  EXPECT_EQ(ExitCodeForHosts({Failure(grpc::StatusCode::UNAVAILABLE)}, kExitFailed), kExitFailed);
  EXPECT_EQ(ExitCodeForHosts({Failure(grpc::StatusCode::UNAVAILABLE)}, kExitRefused), kExitRefused);
  // Every server calling the input invalid: the operator's mistake.
  EXPECT_EQ(ExitCodeForHosts({Failure(grpc::StatusCode::INVALID_ARGUMENT),
                              Failure(grpc::StatusCode::INVALID_ARGUMENT)},
                             kExitRefused),
            kExitUsage);
  EXPECT_EQ(ExitCodeForHosts({Failure(grpc::StatusCode::INVALID_ARGUMENT),
                              Failure(grpc::StatusCode::DEADLINE_EXCEEDED)},
                             kExitRefused),
            kExitRefused);
}

TEST(ExitCodeTest, APlanRefusedByAServerIsARefusalAndASilentServerIsAFailure) {
  using grpc::StatusCode;
  EXPECT_EQ(ExitCodeForPlan({}), kExitOk);
  EXPECT_EQ(ExitCodeForPlan({Failure(StatusCode::FAILED_PRECONDITION)}), kExitRefused);
  EXPECT_EQ(ExitCodeForPlan(
                {Failure(StatusCode::FAILED_PRECONDITION), Failure(StatusCode::INVALID_ARGUMENT)}),
            kExitRefused);
  EXPECT_EQ(ExitCodeForPlan({Failure(StatusCode::INVALID_ARGUMENT)}), kExitUsage);
  EXPECT_EQ(
      ExitCodeForPlan({Failure(StatusCode::FAILED_PRECONDITION), Failure(StatusCode::UNAVAILABLE)}),
      kExitFailed);
}

}  // namespace
}  // namespace osfleet::ctl

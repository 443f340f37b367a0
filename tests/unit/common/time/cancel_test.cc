// CancelToken: never cancelled by default; the client's cancel and deadline become
// CANCELLED and DEADLINE_EXCEEDED; SleepFor wakes early when cancelled.
#include "common/time/cancel.h"
#include "tests/support/status_matchers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;

TEST(CancelTokenTest, DefaultTokenNeverCancels) {
  const CancelToken token;
  EXPECT_OK(token.Check());
  EXPECT_FALSE(token.Cancelled());
  EXPECT_OK(token.SleepFor(absl::Milliseconds(1)));
}

TEST(CancelTokenTest, ClientCancelIsCancelled) {
  std::atomic<bool> cancelled{false};
  const CancelToken token([&] { return cancelled.load(); }, absl::InfiniteFuture());
  EXPECT_OK(token.Check());
  cancelled = true;
  EXPECT_THAT(token.Check(), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_TRUE(token.Cancelled());
}

TEST(CancelTokenTest, PassedDeadlineIsDeadlineExceededEvenWhenAlsoCancelled) {
  const CancelToken token([] { return true; }, absl::Now() - absl::Seconds(1));
  EXPECT_THAT(token.Check(), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(CancelTokenTest, SleepWakesSoonAfterTheCancel) {
  std::atomic<bool> cancelled{false};
  const CancelToken token([&] { return cancelled.load(); }, absl::InfiniteFuture());
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(30));
    cancelled = true;
  });
  const absl::Time start = absl::Now();
  const absl::Status s = token.SleepFor(absl::Seconds(30));
  const absl::Duration slept = absl::Now() - start;
  canceller.join();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_LT(slept, absl::Seconds(5));
}

TEST(CancelTokenTest, SleepEndsAtTheDeadline) {
  const CancelToken token(nullptr, absl::Now() + absl::Milliseconds(20));
  EXPECT_THAT(token.SleepFor(absl::Seconds(30)), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace osfleet

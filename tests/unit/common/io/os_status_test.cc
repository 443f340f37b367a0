#include "common/io/os_status.h"

#include <cerrno>
#include <system_error>

#include "common/text/utf8.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;

platform::Error Os(int error, const char* what) {
  return platform::Error{std::error_code(error, std::generic_category()), what};
}

TEST(OsStatusTest, OsCodesMapToCanonicalCodes) {
  EXPECT_THAT(ToStatus(Os(ENOENT, "x")), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ToStatus(Os(EACCES, "x")), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(ToStatus(Os(EPERM, "x")), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(ToStatus(Os(EEXIST, "x")), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(ToStatus(Os(ENOSPC, "x")), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ToStatus(Os(ECONNREFUSED, "x")), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(StatusCodeOf(std::error_code(ENOENT, std::system_category())),
            absl::StatusCode::kNotFound);
}

TEST(OsStatusTest, TheMessageIsWhatAndTheReason) {
  const absl::Status status = ToStatus(Os(ENOSPC, "writing /x/.tmp-AbC"));
  EXPECT_EQ(status.message(), "writing /x/.tmp-AbC: No space left on device");
  // The same as absl::ErrnoToStatus, which the code used before the platform layer.
  EXPECT_EQ(status, absl::ErrnoToStatus(ENOSPC, "writing /x/.tmp-AbC"));
}

TEST(OsStatusTest, PlatformConditionsMapToTheirCodes) {
  auto code_of = [](platform::Errc errc) {
    return ToStatus(platform::Error{make_error_code(errc), "m"}).code();
  };
  EXPECT_EQ(code_of(platform::Errc::kNotRegularFile), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(code_of(platform::Errc::kTooLarge), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(code_of(platform::Errc::kLockHeld), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(code_of(platform::Errc::kCannotStart), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(code_of(platform::Errc::kDeadlineExceeded), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(code_of(platform::Errc::kInvalidArgument), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(platform::Errc::kNoSuchHost), absl::StatusCode::kUnavailable);
  // Their `what` is the whole message.
  EXPECT_EQ(ToStatus(platform::Error{make_error_code(platform::Errc::kLockHeld), "/s is locked"})
                .message(),
            "/s is locked");
}

TEST(OsStatusTest, ResultsConvert) {
  EXPECT_OK(ToStatus(platform::Result<void>()));
  absl::StatusOr<int> value = ToStatusOr(platform::Result<int>(7));
  ASSERT_OK(value);
  EXPECT_EQ(*value, 7);
  absl::StatusOr<int> failed = ToStatusOr(platform::Result<int>(Os(EACCES, "opening /k")));
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(failed.status().message(), "opening /k: Permission denied");
}

// A path that is not UTF-8, or a Windows message in the ANSI code page.
TEST(OsStatusTest, TheMessageIsValidUtf8) {
  const absl::Status status = ToStatus(Os(EACCES, "opening /srv/caf\xE9/server.hsconf"));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(IsValidUtf8(status.message())) << status.message();
  EXPECT_EQ(status.message(), "opening /srv/caf\xEF\xBF\xBD/server.hsconf: Permission denied");
}

}  // namespace
}  // namespace osfleet

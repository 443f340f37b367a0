#include "common/io/os_status.h"

#include "common/text/utf8.h"

namespace osfleet {
namespace {

absl::StatusCode PlatformCode(platform::Errc errc) {
  switch (errc) {
    case platform::Errc::kNotRegularFile:
    case platform::Errc::kTooLarge:
    case platform::Errc::kLockHeld:
    case platform::Errc::kCannotStart:
      return absl::StatusCode::kFailedPrecondition;
    case platform::Errc::kDeadlineExceeded:
      return absl::StatusCode::kDeadlineExceeded;
    case platform::Errc::kInvalidArgument:
      return absl::StatusCode::kInvalidArgument;
    case platform::Errc::kNoSuchHost:
    case platform::Errc::kNoAddresses:
    case platform::Errc::kTryAgain:
      return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kUnknown;
}

}  // namespace

absl::StatusCode StatusCodeOf(const std::error_code& code) {
  if (!code) return absl::StatusCode::kUnknown;  // an Error always has a code
  if (code.category() == platform::PlatformCategory()) {
    return PlatformCode(static_cast<platform::Errc>(code.value()));
  }
  if (code.category() == std::generic_category()) return absl::ErrnoToStatusCode(code.value());
  // Windows error codes, and codes of other categories: through their errno equivalent.
  const std::error_condition condition = code.default_error_condition();
  if (condition.category() == std::generic_category()) {
    return absl::ErrnoToStatusCode(condition.value());
  }
  return absl::StatusCode::kUnavailable;
}

absl::Status ToStatus(const platform::Error& error) {
  return absl::Status(StatusCodeOf(error.code), ValidUtf8(error.Message()));
}

}  // namespace osfleet

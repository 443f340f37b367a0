#include "common/platform/result.h"

namespace osfleet::platform {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "osfleet.platform"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::kNotRegularFile:
        return "not a regular file";
      case Errc::kTooLarge:
        return "larger than the limit";
      case Errc::kLockHeld:
        return "locked by another process";
      case Errc::kCannotStart:
        return "cannot start the program";
      case Errc::kDeadlineExceeded:
        return "the deadline passed";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kNoSuchHost:
        return "no such host";
      case Errc::kNoAddresses:
        return "the host has no addresses";
      case Errc::kTryAgain:
        return "temporary failure in name resolution";
    }
    return "unknown platform error";
  }
};

}  // namespace

const std::error_category& PlatformCategory() {
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc errc) {
  return std::error_code(static_cast<int>(errc), PlatformCategory());
}

std::string Error::Message() const {
  if (code.category() == PlatformCategory() || !code) return what;
  return what + ": " + code.message();
}

}  // namespace osfleet::platform

#include "common/time/duration.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace osfleet {

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text, absl::string_view what) {
  absl::Duration d;
  if (text.empty() || !absl::ParseDuration(std::string(text), &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", text, "' is not a duration (use e.g. 500ms, 10s, 5m, 1h30m)"));
  }
  if (d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": '", text, "' is not finite"));
  }
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": '", text, "' is negative"));
  }
  return d;
}

}  // namespace osfleet

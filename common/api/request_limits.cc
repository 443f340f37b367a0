#include "common/api/request_limits.h"

#include "absl/strings/ascii.h"

#include "absl/strings/str_cat.h"

namespace osfleet {

absl::Status CheckDuration(absl::string_view field, absl::Duration d, DurationBounds bounds) {
  if (d >= bounds.min && d <= bounds.max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": must be between ", absl::FormatDuration(bounds.min), " and ",
                   absl::FormatDuration(bounds.max), ", got ", absl::FormatDuration(d)));
}

absl::Status CheckSize(absl::string_view field, absl::string_view value, size_t max_bytes) {
  if (value.size() <= max_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", value.size(), " bytes, at most ", max_bytes, " allowed"));
}

absl::Status CheckCount(absl::string_view field, size_t n, size_t max) {
  if (n <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", n, " entries, at most ", max, " allowed"));
}

bool IsCredentialName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxCredentialNameBytes) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace osfleet

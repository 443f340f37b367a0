// The one bridge from the platform layer's errors (common/platform/result.h) to
// absl::Status: OS codes map to canonical codes the way absl::ErrnoToStatus maps errno
// (ENOENT -> NOT_FOUND, EACCES/EPERM -> PERMISSION_DENIED, EEXIST -> ALREADY_EXISTS,
// ENOSPC -> RESOURCE_EXHAUSTED, ...), the platform's own conditions to theirs.
#pragma once

#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/platform/result.h"

namespace osfleet {

absl::StatusCode StatusCodeOf(const std::error_code& code);

// The error's canonical code with its Message(), made valid UTF-8 (a Windows message in
// the ANSI code page, a path that is not UTF-8).
absl::Status ToStatus(const platform::Error& error);

inline absl::Status ToStatus(const platform::Result<void>& result) {
  return result.ok() ? absl::OkStatus() : ToStatus(result.error());
}

template <typename T>
absl::StatusOr<T> ToStatusOr(platform::Result<T> result) {
  if (!result.ok()) return ToStatus(result.error());
  return std::move(result).value();
}

}  // namespace osfleet

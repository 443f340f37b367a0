// Logging setup shared by osagent and osctl: spdlog to stderr, one format, a level by
// name. Secrets never reach a log line: callers log addresses and revisions, never
// passwords or hashes.
#pragma once

#include "absl/strings/string_view.h"

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace osfleet {

// level: trace, debug, info, warn, error, critical, off. INVALID_ARGUMENT otherwise.
absl::Status SetUpLogging(absl::string_view program, absl::string_view level);

}  // namespace osfleet

// Debian's Abseil has its own string_view (not std::string_view): teach fmt/spdlog it.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};

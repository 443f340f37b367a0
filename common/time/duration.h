// Durations as people type them on command lines and in config files: "500ms", "10s",
// "5m", "1h30m", "2s" (Go/absl syntax).
#pragma once

#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace osfleet {

// INVALID_ARGUMENT names the flag/key (`what`) and the text when it does not parse or is
// negative.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text, absl::string_view what);

}  // namespace osfleet

// The bounds on what a client may ask of an agent: every duration and size in a request.
// The agent refuses a request outside them with INVALID_ARGUMENT naming the field, before
// it does anything; osctl checks the same bounds before it contacts any server, so a typo
// such as `--min-healthy 100000h` is an error at once, not a worker held for 11 years.
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace osfleet {

struct DurationBounds {
  absl::Duration min;
  absl::Duration max;
};

// Durations.
inline constexpr DurationBounds kConfirmWithinBounds{absl::ZeroDuration(), absl::Hours(24)};
// The one place a lease's bounds are set: the agent checks Set and Renew against them and
// osctl its --lease flag. The minimum is also the floor of an owner's shortening Renew: a
// lease renewed every third of it must leave the renewal calls time to arrive.
inline constexpr DurationBounds kLeaseBounds{absl::Milliseconds(500), absl::Hours(24)};
inline constexpr DurationBounds kMinHealthyBounds{absl::ZeroDuration(), absl::Hours(1)};
inline constexpr DurationBounds kPhaseDeadlineBounds{absl::Seconds(1), absl::Hours(24)};

// Sizes, in bytes of UTF-8 or in entries.
inline constexpr size_t kMaxReasonBytes = 1024;
inline constexpr size_t kMaxIdBytes = 128;        // change ids, backup ids, revisions
inline constexpr size_t kMaxNameBytes = 256;      // a service or module name
inline constexpr size_t kMaxServiceNames = 64;    // Services.Control names
inline constexpr size_t kMaxModuleNames = 10000;  // ServiceCenter.RunPhase modules
inline constexpr size_t kMaxChanges = 3;          // one per database
// The Configuration Tool's credentials sent with one change.
inline constexpr size_t kMaxCredentials = 16;
inline constexpr size_t kMaxCredentialNameBytes = 64;
inline constexpr size_t kMaxCredentialValueBytes = 1024;

// A credential's (and a ${name} placeholder's) name: 1..kMaxCredentialNameBytes letters,
// digits and '_'.
bool IsCredentialName(absl::string_view name);

// OK when min <= d <= max; otherwise "FIELD: must be between MIN and MAX, got D".
absl::Status CheckDuration(absl::string_view field, absl::Duration d, DurationBounds bounds);
// OK when value has at most max_bytes; otherwise "FIELD: N bytes, at most MAX allowed".
absl::Status CheckSize(absl::string_view field, absl::string_view value, size_t max_bytes);
// OK when n <= max; otherwise "FIELD: N entries, at most MAX allowed".
absl::Status CheckCount(absl::string_view field, size_t n, size_t max);

}  // namespace osfleet

// Text from outside (child processes, Windows messages, files, Service Center answers,
// host names) made valid UTF-8 where it enters, so that every proto string, JSON document
// and printed line is valid: each invalid sequence becomes U+FFFD.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace osfleet {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most
// U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// The offset of the first byte that does not start a valid sequence; npos when `text` is
// valid. For error messages that say where a file stops being UTF-8.
size_t FirstInvalidUtf8(absl::string_view text);

// `text` with every maximal invalid subpart replaced by U+FFFD (the W3C/Unicode
// "substitution of maximal subparts" practice); valid text comes back unchanged.
std::string ValidUtf8(absl::string_view text);

// The same status (code and payloads) with its message made valid UTF-8.
absl::Status ValidUtf8Status(const absl::Status& status);

}  // namespace osfleet

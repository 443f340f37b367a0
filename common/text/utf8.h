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

// UTF-16 text (a Windows tool's log) as UTF-8; `bytes` without its byte order mark. A
// lone surrogate or an odd last byte becomes U+FFFD.
std::string Utf16ToUtf8(absl::string_view bytes, bool big_endian);
// UTF-8 text as UTF-16 bytes (no byte order mark); invalid sequences as U+FFFD.
std::string Utf8ToUtf16(absl::string_view text, bool big_endian);
// The UTF-16 byte order mark `bytes` starts with (FF FE, FE FF), if any.
enum class Utf16Mark { kNone, kLittleEndian, kBigEndian };
Utf16Mark Utf16ByteOrderMark(absl::string_view bytes);

// The same status (code and payloads) with its message made valid UTF-8.
absl::Status ValidUtf8Status(const absl::Status& status);

}  // namespace osfleet

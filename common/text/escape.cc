#include "common/text/escape.h"

#include "absl/strings/str_cat.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "common/text/utf8.h"

namespace osfleet {
namespace {

// The colour sequences of ctl/output/table.cc's Paint().
constexpr absl::string_view kColors[] = {"\033[0m",  "\033[1m",  "\033[2m",
                                         "\033[31m", "\033[32m", "\033[33m"};

// The code point of the valid UTF-8 sequence at text[i], and its length in *n.
uint32_t DecodeAt(absl::string_view text, size_t i, size_t* n) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  const uint8_t b0 = b(0);
  if (b0 < 0x80) {
    *n = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    *n = 2;
    return (uint32_t{b0} & 0x1F) << 6 | (b(1) & 0x3F);
  }
  if (b0 < 0xF0) {
    *n = 3;
    return (uint32_t{b0} & 0x0F) << 12 | (uint32_t{b(1)} & 0x3F) << 6 | (b(2) & 0x3F);
  }
  *n = 4;
  return (uint32_t{b0} & 0x07) << 18 | (uint32_t{b(1)} & 0x3F) << 12 |
         (uint32_t{b(2)} & 0x3F) << 6 | (b(3) & 0x3F);
}

bool IsBidiOrLineBreak(uint32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool NeedsEscape(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || IsBidiOrLineBreak(cp);
}

// The length of the colour sequence starting at text[i], or 0.
size_t ColorAt(absl::string_view text, size_t i) {
  for (absl::string_view color : kColors) {
    if (absl::StartsWith(text.substr(i), color)) return color.size();
  }
  return 0;
}

// What replaces `cp` at text[i] (cp needs an escape); empty: keep it as it is.
std::string EscapeOf(uint32_t cp, absl::string_view text, size_t i, EscapeOptions options) {
  switch (cp) {
    case '\n':
      return options.keep_newlines ? "\n" : "\\n";
    case '\t':
      return options.keep_newlines ? "\t" : "\\t";
    case '\r':
      if (options.keep_newlines && i + 1 < text.size() && text[i + 1] == '\n') return "";
      return "\\r";
    default:
      return absl::StrFormat("\\u%04x", cp);
  }
}

// Printable ASCII only: nothing to do (most log lines and cells).
bool PlainAscii(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c >= 0x7F) return false;
  }
  return true;
}

}  // namespace

std::string EscapeControls(absl::string_view input, EscapeOptions options) {
  if (PlainAscii(input)) return std::string(input);
  const std::string valid = ValidUtf8(input);
  const absl::string_view text = valid;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (options.keep_colors && text[i] == '\033') {
      if (const size_t color = ColorAt(text, i); color > 0) {
        out.append(text.data() + i, color);
        i += color;
        continue;
      }
    }
    size_t n = 1;
    const uint32_t cp = DecodeAt(text, i, &n);
    if (NeedsEscape(cp)) {
      out += EscapeOf(cp, text, i, options);
    } else {
      out.append(text.data() + i, n);
    }
    i += n;
  }
  return out;
}

bool IsPrintable(absl::string_view text, EscapeOptions options) {
  return EscapeControls(text, options) == text;
}

std::string QuotedEscaped(absl::string_view text) {
  return absl::StrCat("\"", EscapeControls(text), "\"");
}

}  // namespace osfleet

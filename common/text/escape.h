// Text from outside made safe to show on a terminal or in a log line: a value that holds
// ESC, BEL, CR or another control character must not move the cursor, retitle the
// window, overwrite the line or forge a new one. Builds on utf8.h (the text is made valid
// UTF-8 first); printable text, non-ASCII letters included, comes back unchanged.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace osfleet {

struct EscapeOptions {
  // Keep '\n' and '\t' (a block of several lines, e.g. a status message with a command's
  // last lines); a CR right before a '\n' is then dropped (a CRLF line end).
  bool keep_newlines = false;
  // Keep the colour sequences osctl's own Paint() writes (ESC [ 0|1|2|31|32|33 m), and
  // nothing else: for the last edge of osctl's output, where tables are already painted.
  bool keep_colors = false;
};

// Every control character shown as a visible escape: "\n", "\r", "\t" for those three,
// "\u001b" for ESC and the other C0 controls, DEL ("\u007f") and the C1 controls
// (U+0080..U+009F); also the characters that reorder or break lines on screen (the bidi
// controls U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069 and U+2028, U+2029).
// Every escape is also a JSON escape, so the result of escaping a JSON document is the
// same document. Invalid UTF-8 becomes U+FFFD (ValidUtf8). A backslash is left alone.
std::string EscapeControls(absl::string_view text, EscapeOptions options = {});

// text in double quotes, escaped: for naming outside text in a message ("osfleet:admin").
std::string QuotedEscaped(absl::string_view text);

// True when EscapeControls(text, options) would change nothing.
bool IsPrintable(absl::string_view text, EscapeOptions options = {});

}  // namespace osfleet

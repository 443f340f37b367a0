// The text of an XML element as the program reads it, with where each of its bytes came
// from in the file, so that a change to part of the text can be spliced into the file's
// bytes while every other byte (entities, CRLF) stays as it was.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet {

struct XmlText {
  std::string text;  // unescaped: entities and character references replaced, CRLF as LF
  // raw_offset[i]: the offset in the raw bytes where text[i] starts; one more entry, the
  // raw size, so that [raw_offset[b], raw_offset[e]) is the raw range of text[b, e).
  std::vector<size_t> raw_offset;
};

// Unescapes an element's character content (no markup inside): the five predefined
// entities, &#N; and &#xH; (as UTF-8), and CRLF or a lone CR read as LF, as XML parsers
// read it. FAILED_PRECONDITION naming the offset for '<', an unknown or unterminated entity.
absl::StatusOr<XmlText> UnescapeXmlText(absl::string_view raw);

}  // namespace osfleet

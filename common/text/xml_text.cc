#include "common/text/xml_text.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace osfleet {
namespace {

// Appends `code` as UTF-8; false when it is not a character XML allows.
bool AppendUtf8(uint32_t code, std::string* out) {
  const bool allowed = code == 0x9 || code == 0xA || code == 0xD ||
                       (code >= 0x20 && code <= 0xD7FF) || (code >= 0xE000 && code <= 0xFFFD) ||
                       (code >= 0x10000 && code <= 0x10FFFF);
  if (!allowed) return false;
  if (code < 0x80) {
    *out += static_cast<char>(code);
  } else if (code < 0x800) {
    *out += static_cast<char>(0xC0 | (code >> 6));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    *out += static_cast<char>(0xE0 | (code >> 12));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (code >> 18));
    *out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  }
  return true;
}

// The text an entity's name (between '&' and ';') stands for.
absl::StatusOr<std::string> EntityText(absl::string_view name) {
  if (name == "amp") return std::string("&");
  if (name == "lt") return std::string("<");
  if (name == "gt") return std::string(">");
  if (name == "quot") return std::string("\"");
  if (name == "apos") return std::string("'");
  uint32_t code = 0;
  const bool hex = name.size() > 2 && (name.substr(0, 2) == "#x");
  const bool parsed = hex ? absl::SimpleHexAtoi(name.substr(2), &code)
                          : name.size() > 1 && name[0] == '#' && name[1] != '-' && name[1] != '+' &&
                                absl::SimpleAtoi(name.substr(1), &code);
  std::string out;
  if (!parsed || !AppendUtf8(code, &out)) {
    return absl::FailedPreconditionError(absl::StrCat("unknown entity &", name, ";"));
  }
  return out;
}

}  // namespace

absl::StatusOr<XmlText> UnescapeXmlText(absl::string_view raw) {
  XmlText out;
  out.text.reserve(raw.size());
  out.raw_offset.reserve(raw.size() + 1);
  for (size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if (c == '<') {
      return absl::FailedPreconditionError(absl::StrCat("markup at offset ", i, " of the text"));
    }
    if (c == '\r') {  // CRLF and a lone CR both read as one LF
      out.text += '\n';
      out.raw_offset.push_back(i);
      i += (i + 1 < raw.size() && raw[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c != '&') {
      out.text += c;
      out.raw_offset.push_back(i);
      ++i;
      continue;
    }
    const size_t semicolon = raw.find(';', i);
    if (semicolon == absl::string_view::npos || semicolon - i > 12) {
      return absl::FailedPreconditionError(
          absl::StrCat("unterminated entity at offset ", i, " of the text"));
    }
    absl::StatusOr<std::string> text = EntityText(raw.substr(i + 1, semicolon - i - 1));
    if (!text.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(text.status().message(), " at offset ", i, " of the text"));
    }
    for (char t : *text) {
      out.text += t;
      out.raw_offset.push_back(i);
    }
    i = semicolon + 1;
  }
  out.raw_offset.push_back(raw.size());
  return out;
}

}  // namespace osfleet

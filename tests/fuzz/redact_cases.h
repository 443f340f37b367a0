// Texts that hold a random password the way tools log one, for the Redactor's fuzzer
// (redact_fuzz.cc) and its seeded unit test (tests/unit/common/redact_forms_test.cc): the
// password written as is, JSON-, .NET-, XML-, URL-escaped, quotes doubled, as UTF-16, whole
// in a line, cut short at a line's end, cut after kMinSecretChars characters in a line, and
// its rest at the start of the next line (a wrapped line). The escapes are written here
// independently of common/text/secret_forms.cc, the way the producers write them.
//
// Each Case lists what must not survive redaction: the start of every form that holds
// min(kMinCutChars, size) characters of the password. The filler text around the forms uses
// only bytes no form holds, so none of those can appear but from a form that was not masked.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace osfleet::redact_cases {

// A source of choices: Pick(n) is in [0, n) (n > 0).
using Pick = std::function<size_t(size_t)>;

// A form of the password: one piece per character.
struct Form {
  std::string name;
  std::vector<std::string> pieces;
  std::string Prefix(size_t chars) const {
    std::string out;
    for (size_t i = 0; i < chars && i < pieces.size(); ++i) out += pieces[i];
    return out;
  }
};

struct Case {
  std::string secret;
  std::string text;
  std::vector<std::string> must_not_survive;  // each with the form's name, for the report
  std::vector<std::string> names;
};

// Printable ASCII but '*' (the mask), and non-ASCII of 2, 3 and 4 UTF-8 bytes.
inline std::vector<std::string> SecretAlphabet() {
  std::vector<std::string> alphabet;
  for (char c = 0x20; c < 0x7F; ++c) {
    if (c != '*') alphabet.emplace_back(1, c);
  }
  for (const char* s :
       {"\xC3\xA9", "\xC3\x9F", "\xE2\x82\xAC", "\xE6\x97\xA5", "\xC4\x81", "\xF0\x9F\x98\x80"}) {
    alphabet.emplace_back(s);
  }
  return alphabet;
}

inline uint32_t CodePoint(const std::string& c) {
  const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(c[k])); };
  if (c.size() == 1) return b(0);
  if (c.size() == 2) return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  if (c.size() == 3) return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
}

inline std::string Printf(const char* format, uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// A UTF-8 text cut into its characters.
inline std::vector<std::string> SplitChars(const std::string& text) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<uint8_t>(text[i]);
    const size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    chars.push_back(text.substr(i, n));
    i += n;
  }
  return chars;
}

// \uXXXX of each UTF-16 unit.
inline std::string UnicodeEscape(uint32_t cp, bool upper) {
  const char* format = upper ? "\\u%04X" : "\\u%04x";
  if (cp < 0x10000) return Printf(format, cp);
  return Printf(format, 0xD800 + ((cp - 0x10000) >> 10)) +
         Printf(format, 0xDC00 + ((cp - 0x10000) & 0x3FF));
}

inline std::string Utf16(const std::string& c, bool big_endian) {
  std::string out;
  const auto unit = [&](uint32_t u) {
    const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
    out += big_endian ? std::string{hi, lo} : std::string{lo, hi};
  };
  const uint32_t cp = CodePoint(c);
  if (cp < 0x10000) {
    unit(cp);
  } else {
    unit(0xD800 + ((cp - 0x10000) >> 10));
    unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
  }
  return out;
}

// nlohmann::json's dump(): '"', '\\' and control characters escaped, the rest as is.
inline std::string JsonPiece(const std::string& c) {
  if (c == "\"") return "\\\"";
  if (c == "\\") return "\\\\";
  if (c.size() == 1 && static_cast<uint8_t>(c[0]) < 0x20) return UnicodeEscape(CodePoint(c), false);
  return c;
}

// JSON that escapes '/' and writes ASCII only (PHP's json_encode, Java's org.json).
inline std::string JsonAsciiPiece(const std::string& c) {
  if (c == "/") return "\\/";
  if (c.size() > 1) return UnicodeEscape(CodePoint(c), false);
  return JsonPiece(c);
}

// System.Text.Json's default encoder: HTML-sensitive characters and non-ASCII as \uXXXX.
inline std::string DotNetPiece(const std::string& c) {
  if (c == "\\") return "\\\\";
  if (c.size() > 1 || std::string("\"&'+<>`").find(c) != std::string::npos) {
    return UnicodeEscape(CodePoint(c), true);
  }
  return c;
}

inline std::string XmlPiece(const std::string& c, bool hex) {
  static const std::pair<const char*, const char*> kNamed[] = {
      {"\"", "&quot;"}, {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"'", "&apos;"}};
  for (const auto& [from, to] : kNamed) {
    if (c == from) return hex ? Printf("&#x%X;", CodePoint(c)) : to;
  }
  if (c.size() > 1) return Printf(hex ? "&#x%x;" : "&#%u;", CodePoint(c));
  return c;
}

inline std::string UrlPiece(const std::string& c, bool lower) {
  if (c == " ") return "+";
  if (c.size() == 1 && (isalnum(static_cast<unsigned char>(c[0])) ||
                        std::string("-._~").find(c) != std::string::npos)) {
    return c;
  }
  std::string out;
  for (unsigned char b : c) out += Printf(lower ? "%%%02x" : "%%%02X", b);
  return out;
}

inline std::string DoubledQuotesPiece(const std::string& c) {
  return c == "\"" || c == "'" ? c + c : c;
}

inline std::vector<Form> Forms(const std::vector<std::string>& chars) {
  std::vector<Form> forms;
  const auto add = [&](const std::string& name,
                       const std::function<std::string(const std::string&)>& piece) {
    Form form{name, {}};
    for (const std::string& c : chars) form.pieces.push_back(piece(c));
    forms.push_back(std::move(form));
  };
  add("raw", [](const std::string& c) { return c; });
  add("json", JsonPiece);
  add("json-ascii", JsonAsciiPiece);
  add(".net-json", DotNetPiece);
  add("xml", [](const std::string& c) { return XmlPiece(c, false); });
  add("xml-hex", [](const std::string& c) { return XmlPiece(c, true); });
  add("url", [](const std::string& c) { return UrlPiece(c, false); });
  add("url-lower", [](const std::string& c) { return UrlPiece(c, true); });
  add("doubled-quotes", DoubledQuotesPiece);
  add("utf-16le", [](const std::string& c) { return Utf16(c, false); });
  add("utf-16be", [](const std::string& c) { return Utf16(c, true); });
  add("utf-16le-json", [](const std::string& c) {
    std::string out;
    for (const std::string& piece_char : SplitChars(JsonPiece(c))) out += Utf16(piece_char, false);
    return out;
  });
  return forms;
}

// Printable ASCII that no form holds (nor '*'): the filler around the forms.
inline std::string FillerAlphabet(const std::vector<Form>& forms) {
  std::set<char> used = {'*'};
  for (const Form& form : forms) {
    for (const std::string& piece : form.pieces) used.insert(piece.begin(), piece.end());
  }
  std::string filler;
  for (char c = 0x21; c < 0x7F; ++c) {
    if (!used.count(c)) filler.push_back(c);
  }
  return filler;
}

// A password of 1 to 24 characters and several lines that hold it in random forms.
// min_cut and min_anywhere are the Redactor's kMinCutChars and kMinSecretChars.
inline Case MakeCase(const Pick& pick, size_t min_cut, size_t min_anywhere) {
  static const std::vector<std::string> kAlphabet = SecretAlphabet();
  std::vector<std::string> chars(1 + pick(24));
  Case out;
  for (std::string& c : chars) {
    c = kAlphabet[pick(kAlphabet.size())];
    out.secret += c;
  }
  const std::vector<Form> forms = Forms(chars);
  std::string filler = FillerAlphabet(forms);
  if (filler.empty()) filler = "\x01";
  const size_t n = chars.size();
  const auto fill = [&](size_t max) {
    std::string text(pick(max + 1), ' ');
    for (char& c : text) c = filler[pick(filler.size())];
    return text;
  };
  // A cut inside piece `chars` (its first `part` bytes kept).
  const auto cut = [&](const Form& form, size_t chars_kept) {
    std::string text = form.Prefix(chars_kept);
    if (chars_kept < n) {
      text += form.pieces[chars_kept].substr(0, pick(form.pieces[chars_kept].size()));
    }
    return text;
  };
  const size_t lines = 1 + pick(8);
  for (size_t line = 0; line < lines; ++line) {
    const Form& form = forms[pick(forms.size())];
    out.names.push_back(form.name);
    std::string text = fill(40);
    switch (pick(4)) {
      case 0:  // whole, inside a line
        text += form.Prefix(n) + fill(40);
        break;
      case 1:  // cut short at the line's end, anywhere: fewer than min_cut characters may stay
        text += cut(form, pick(n + 1));
        break;
      case 2:  // cut inside a line after at least min_anywhere characters
        text += cut(form, std::min(n, min_anywhere) + pick(n - std::min(n, min_anywhere) + 1)) +
                fill(40);
        break;
      default: {  // wrapped: the start ends this line, the rest starts the next one
        const size_t at = pick(n + 1);
        text += form.Prefix(at) + "\n" + [&] {
          std::string rest;
          for (size_t i = at; i < n; ++i) rest += form.pieces[i];
          return rest;
        }() + fill(40);
        break;
      }
    }
    out.text += text + (line + 1 < lines || pick(2) ? "\n" : "");
  }
  for (const Form& form : forms) {
    out.must_not_survive.push_back(form.Prefix(std::min(min_cut, n)));
  }
  return out;
}

// The form (by index in Forms order) whose start survives in `redacted`; -1: none.
inline int Survivor(const Case& c, const std::string& redacted) {
  for (size_t i = 0; i < c.must_not_survive.size(); ++i) {
    if (redacted.find(c.must_not_survive[i]) != std::string::npos) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace osfleet::redact_cases

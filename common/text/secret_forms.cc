#include "common/text/secret_forms.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_format.h"
#include "common/text/utf8.h"

namespace osfleet {
namespace {

constexpr size_t npos = absl::string_view::npos;

bool IsFoldChar(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsLineEnd(absl::string_view text, size_t at) {
  if (at >= text.size()) return true;
  const auto is_break = [](char c) { return c == '\n' || c == '\r'; };
  // A break of big-endian UTF-16 text starts with its zero byte.
  return is_break(text[at]) || (text[at] == '\0' && at + 1 < text.size() && is_break(text[at + 1]));
}

// The code point of a valid UTF-8 sequence.
uint32_t CodePoint(absl::string_view utf8) {
  const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(utf8[k])); };
  switch (utf8.size()) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

// The secret cut into characters: valid UTF-8 sequences, and single bytes where it is not.
std::vector<std::string> Characters(absl::string_view secret) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < secret.size();) {
    size_t n = 1;
    // A lead byte names its length: the shortest valid sequence from it is the character.
    for (size_t len = 1; len <= 4 && i + len <= secret.size(); ++len) {
      if (IsValidUtf8(secret.substr(i, len))) {
        n = len;
        break;
      }
    }
    chars.emplace_back(secret.substr(i, n));
    i += n;
  }
  return chars;
}

// "\u00e9" and "\u00E9"; a surrogate pair for a code point above U+FFFF.
void AddJsonUnicode(uint32_t cp, std::vector<std::string>* forms) {
  for (bool upper : {false, true}) {
    std::string form;
    const auto unit = [&](uint32_t u) {
      form += upper ? absl::StrFormat("\\u%04X", u) : absl::StrFormat("\\u%04x", u);
    };
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
    forms->push_back(form);
  }
}

// Every way a text in UTF-8 may write the character `c`.
std::vector<std::string> Utf8Forms(const std::string& c) {
  std::vector<std::string> forms = {c};
  // URL encoding, byte by byte: every byte escaped, in either case; + for a space.
  std::string upper, lower;
  for (unsigned char b : c) {
    upper += absl::StrFormat("%%%02X", b);
    lower += absl::StrFormat("%%%02x", b);
  }
  forms.push_back(upper);
  forms.push_back(lower);
  if (c == " ") forms.push_back("+");
  if (!IsValidUtf8(c)) return forms;
  const uint32_t cp = CodePoint(c);
  AddJsonUnicode(cp, &forms);
  forms.push_back(absl::StrFormat("&#%d;", cp));
  forms.push_back(absl::StrFormat("&#x%x;", cp));
  forms.push_back(absl::StrFormat("&#x%X;", cp));
  switch (cp) {
    case '"':
      forms.insert(forms.end(), {"\\\"", "&quot;", "\"\""});
      break;
    case '\'':
      forms.insert(forms.end(), {"\\'", "&apos;", "''"});
      break;
    case '\\':
      forms.push_back("\\\\");
      break;
    case '/':
      forms.push_back("\\/");
      break;
    case '&':
      forms.push_back("&amp;");
      break;
    case '<':
      forms.push_back("&lt;");
      break;
    case '>':
      forms.push_back("&gt;");
      break;
    case '\b':
      forms.push_back("\\b");
      break;
    case '\f':
      forms.push_back("\\f");
      break;
    case '\n':
      forms.push_back("\\n");
      break;
    case '\r':
      forms.push_back("\\r");
      break;
    case '\t':
      forms.push_back("\\t");
      break;
    default:
      break;
  }
  return forms;
}

}  // namespace

bool IsLineStart(absl::string_view text, size_t at) {
  if (at == 0) return true;
  if (at > text.size()) return false;
  if (text[at - 1] == '\n') return true;
  // Little-endian UTF-16: the zero byte after "\n".
  return at >= 2 && text[at - 1] == '\0' && text[at - 2] == '\n';
}

SecretForms::SecretForms(absl::string_view secret, TextBytes bytes) : bytes_(bytes) {
  for (const std::string& c : Characters(secret)) {
    Char ch;
    for (const std::string& form : Utf8Forms(c)) {
      std::string written = form;
      if (bytes != TextBytes::kUtf8) {
        if (!IsValidUtf8(form)) continue;  // a stray byte has no UTF-16 form but %XX
        written = Utf8ToUtf16(form, bytes == TextBytes::kUtf16Be);
      }
      if (std::find(ch.forms.begin(), ch.forms.end(), written) == ch.forms.end()) {
        ch.forms.push_back(std::move(written));
      }
    }
    std::sort(ch.forms.begin(), ch.forms.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& form : ch.forms) ch.first_bytes.set(static_cast<uint8_t>(form[0]));
    chars_.push_back(std::move(ch));
  }
}

void SecretForms::Advance(size_t k, absl::string_view text, size_t at,
                          absl::InlinedVector<size_t, 4>* next) const {
  if (at >= text.size() || !MayStartWith(k, static_cast<uint8_t>(text[at]))) return;
  const absl::string_view rest = text.substr(at);
  for (const std::string& form : chars_[k].forms) {
    if (rest.substr(0, form.size()) != form) continue;
    const size_t end = at + form.size();
    if (std::find(next->begin(), next->end(), end) == next->end()) next->push_back(end);
  }
}

size_t SecretForms::CutEnd(size_t k, absl::string_view text, size_t at) const {
  if (IsLineEnd(text, at)) return at;
  if (k >= chars_.size()) return npos;
  const size_t longest = chars_[k].forms.front().size();
  size_t end = at + 1;
  while (end < text.size() && end - at < longest && !IsLineEnd(text, end)) ++end;
  if (!IsLineEnd(text, end)) return npos;
  const absl::string_view start = text.substr(at, end - at);
  for (const std::string& form : chars_[k].forms) {
    if (form.size() > start.size() && absl::string_view(form).substr(0, start.size()) == start) {
      return end;
    }
  }
  return npos;
}

size_t SecretForms::SkipFold(absl::string_view text, size_t at) const {
  if (bytes_ == TextBytes::kUtf8) {
    while (at < text.size() && IsFoldChar(text[at])) ++at;
    return at;
  }
  const bool big = bytes_ == TextBytes::kUtf16Be;
  while (at + 1 < text.size()) {
    const char zero = big ? text[at] : text[at + 1], c = big ? text[at + 1] : text[at];
    if (zero != '\0' || !IsFoldChar(c)) break;
    at += 2;
  }
  return at;
}

SecretMatch SecretForms::Match(absl::string_view text, size_t at, size_t first, bool fold) const {
  SecretMatch m;
  m.end = at;
  absl::InlinedVector<size_t, 4> frontier = {at}, next;
  for (size_t k = first;; ++k) {
    if (k > first) {
      for (size_t from : frontier) {
        const size_t cut = CutEnd(k, text, from);
        if (cut != npos) m.cut_end = std::max(m.cut_end, cut);
      }
    }
    if (k == chars_.size()) break;
    next.clear();
    for (size_t from : frontier) {
      Advance(k, text, from, &next);
      const size_t skipped = fold && k > first ? SkipFold(text, from) : from;
      if (skipped != from) Advance(k, text, skipped, &next);
    }
    if (next.empty()) break;
    frontier.swap(next);
    m.chars = k - first + 1;
    m.end = *std::max_element(frontier.begin(), frontier.end());
  }
  return m;
}

}  // namespace osfleet

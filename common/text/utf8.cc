#include "common/text/utf8.h"

#include <cstdint>

#include "absl/strings/match.h"

namespace osfleet {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid sequence starting at text[i], or 0 when there is none; *bad
// is then the length of the maximal subpart to replace (at least 1).
size_t SequenceLength(absl::string_view text, size_t i, size_t* bad) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  *bad = 1;
  if (b0 < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= text.size()) return 0;
    const uint8_t b = byte(i + k);
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return 0;
    *bad = k + 1;  // a valid prefix so far: replaced as one if the sequence breaks later
  }
  return n;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendUnit(uint32_t unit, bool big_endian, std::string* out) {
  const char hi = static_cast<char>(unit >> 8), lo = static_cast<char>(unit & 0xFF);
  out->push_back(big_endian ? hi : lo);
  out->push_back(big_endian ? lo : hi);
}

}  // namespace

std::string Utf16ToUtf8(absl::string_view bytes, bool big_endian) {
  const auto unit = [&](size_t i) {
    const auto b0 = static_cast<uint8_t>(bytes[i]), b1 = static_cast<uint8_t>(bytes[i + 1]);
    return static_cast<uint32_t>(big_endian ? (b0 << 8) | b1 : (b1 << 8) | b0);
  };
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    const uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
      const uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00), &out);
        i += 2;
        continue;
      }
    }
    AppendUtf8(u >= 0xD800 && u <= 0xDFFF ? 0xFFFD : u, &out);
  }
  if (i < bytes.size()) out += kReplacement;
  return out;
}

std::string Utf8ToUtf16(absl::string_view text, bool big_endian) {
  const std::string valid = ValidUtf8(text);
  std::string out;
  out.reserve(valid.size() * 2);
  for (size_t i = 0; i < valid.size();) {
    size_t bad;
    const size_t n = SequenceLength(valid, i, &bad);
    const auto b = [&](size_t k) {
      return static_cast<uint32_t>(static_cast<uint8_t>(valid[i + k]));
    };
    uint32_t cp = n == 1   ? b(0)
                  : n == 2 ? ((b(0) & 0x1F) << 6) | (b(1) & 0x3F)
                  : n == 3 ? ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F)
                           : ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                                 (b(3) & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      AppendUnit(0xD800 + (cp >> 10), big_endian, &out);
      AppendUnit(0xDC00 + (cp & 0x3FF), big_endian, &out);
    } else {
      AppendUnit(cp, big_endian, &out);
    }
    i += n;
  }
  return out;
}

Utf16Mark Utf16ByteOrderMark(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\xFF\xFE")) return Utf16Mark::kLittleEndian;
  if (absl::StartsWith(bytes, "\xFE\xFF")) return Utf16Mark::kBigEndian;
  return Utf16Mark::kNone;
}

bool IsValidUtf8(absl::string_view text) { return FirstInvalidUtf8(text) == text.npos; }

size_t FirstInvalidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t bad;
    const size_t n = SequenceLength(text, i, &bad);
    if (n == 0) return i;
    i += n;
  }
  return text.npos;
}

std::string ValidUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    size_t bad;
    const size_t n = SequenceLength(text, i, &bad);
    if (n > 0) {
      out.append(text.data() + i, n);
      i += n;
    } else {
      out += kReplacement;
      i += bad;
    }
  }
  return out;
}

absl::Status ValidUtf8Status(const absl::Status& status) {
  if (IsValidUtf8(status.message())) return status;
  absl::Status out(status.code(), ValidUtf8(status.message()));
  status.ForEachPayload([&out](absl::string_view type_url, const absl::Cord& payload) {
    out.SetPayload(type_url, payload);
  });
  return out;
}

}  // namespace osfleet

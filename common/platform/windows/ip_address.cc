// IP literals read and written exactly as glibc's inet_pton / inet_ntop do (the POSIX
// side), because the text is compared across platforms (certificate names, addresses in
// server.hsconf). Windows' own functions are not that: its IPv6 parser takes leading zeros
// in an embedded dotted quad ("::ffff:01.2.3.4"), and its IPv6 text has more embedded-IPv4
// forms ("::ffff:0:1.2.3.4", "fe80::5efe:1.2.3.4") than glibc's. So IPv4 goes through a
// strict check and then InetPtonA / InetNtopA; IPv6 is glibc's algorithm, here.
#include "common/platform/ip_address.h"

// Winsock first: its headers must come before <windows.h>.
#include "common/platform/windows/winsock.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace osfleet::platform {
namespace {

using Ipv4Bytes = std::array<unsigned char, 4>;
using Ipv6Bytes = std::array<unsigned char, 16>;

// What POSIX's inet_pton(text.c_str()) reads: the text up to its first NUL.
std::string_view AsCString(const std::string& text) { return std::string_view(text.c_str()); }

// glibc's dotted quad: exactly four decimal parts, each 0-255 without a leading zero
// ("01"), and nothing else (no spaces, no "127.1" shorthand, no hex or octal).
bool IsStrictDottedQuad(std::string_view text) {
  int parts = 0;
  int digits = 0;
  int value = 0;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      if (digits > 0 && value == 0) return false;  // a leading zero
      value = value * 10 + (c - '0');
      if (value > 255) return false;
      if (digits++ == 0) ++parts;
    } else if (c == '.' && digits > 0 && parts < 4) {
      digits = 0;
      value = 0;
    } else {
      return false;
    }
  }
  return parts == 4 && digits > 0;
}

std::optional<Ipv4Bytes> ParseDottedQuad(std::string_view text) {
  if (!IsStrictDottedQuad(text)) return std::nullopt;
  Ipv4Bytes bytes{};
  if (InetPtonA(AF_INET, std::string(text).c_str(), bytes.data()) != 1) return std::nullopt;
  return bytes;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 16 bytes being filled in, group by group, and where "::" stood.
struct Ipv6Builder {
  Ipv6Bytes bytes{};
  std::size_t filled = 0;
  std::optional<std::size_t> gap;

  bool Add(unsigned group) {
    if (filled + 2 > bytes.size()) return false;
    bytes[filled++] = static_cast<unsigned char>(group >> 8);
    bytes[filled++] = static_cast<unsigned char>(group & 0xFF);
    return true;
  }
  bool AddQuad(const Ipv4Bytes& quad) {
    if (filled + quad.size() > bytes.size()) return false;
    std::copy(quad.begin(), quad.end(), bytes.begin() + static_cast<std::ptrdiff_t>(filled));
    filled += quad.size();
    return true;
  }
  // Moves what followed "::" to the end; "::" has to stand for one group at least.
  std::optional<Ipv6Bytes> Finish() {
    if (gap) {
      if (filled == bytes.size()) return std::nullopt;
      const std::size_t tail = filled - *gap;
      std::memmove(bytes.data() + bytes.size() - tail, bytes.data() + *gap, tail);
      std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(*gap),
                bytes.end() - static_cast<std::ptrdiff_t>(tail), 0);
      filled = bytes.size();
    }
    if (filled != bytes.size()) return std::nullopt;
    return bytes;
  }
};

// glibc's inet_pton6: groups of 1-4 hex digits, one "::" at most, an optional dotted quad
// (strict, as above) as the last 32 bits; no brackets, no "%scope", no spaces.
std::optional<Ipv6Bytes> ParseIpv6Text(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = 0;
  if (text[0] == ':') {  // only as the start of "::"
    if (text.size() < 2 || text[1] != ':') return std::nullopt;
    i = 1;
  }
  Ipv6Builder out;
  std::size_t token = i;  // where the current group began
  int digits = 0;
  unsigned group = 0;
  while (i < text.size()) {
    const char c = text[i++];
    if (const int digit = HexValue(c); digit >= 0) {
      if (digits == 4) return std::nullopt;
      group = (group << 4) | static_cast<unsigned>(digit);
      ++digits;
      continue;
    }
    if (c == ':') {
      token = i;
      if (digits == 0) {  // the second ':' of "::"
        if (out.gap) return std::nullopt;
        out.gap = out.filled;
        continue;
      }
      if (i == text.size() || !out.Add(group)) return std::nullopt;  // "1::2:" ends in ':'
      digits = 0;
      group = 0;
      continue;
    }
    if (c != '.') return std::nullopt;
    const std::optional<Ipv4Bytes> quad = ParseDottedQuad(text.substr(token));
    if (!quad || !out.AddQuad(*quad)) return std::nullopt;
    digits = 0;
    break;  // the quad ran to the end
  }
  if (digits > 0 && !out.Add(group)) return std::nullopt;
  return out.Finish();
}

std::string FormatIpv4(const unsigned char* bytes) {
  char text[INET_ADDRSTRLEN] = "";
  if (InetNtopA(AF_INET, bytes, text, sizeof(text)) == nullptr) return "";
  return text;
}

// The longest run of two or more zero groups (the first of equal ones): {start, length},
// length 0 when there is none.
std::pair<int, int> LongestZeroRun(const std::array<unsigned, 8>& groups) {
  std::pair<int, int> best{0, 0};
  for (int i = 0; i < 8;) {
    int end = i;
    while (end < 8 && groups[end] == 0) ++end;
    if (end - i > best.second) best = {i, end - i};
    i = std::max(end, i + 1);
  }
  if (best.second < 2) best = {0, 0};
  return best;
}

// glibc's inet_ntop6: lowercase hex without leading zeros, the longest zero run as "::",
// and a dotted quad only for ::a.b.c.d and ::ffff:a.b.c.d.
std::string FormatIpv6(const std::array<unsigned char, 16>& bytes) {
  std::array<unsigned, 8> groups{};
  for (int i = 0; i < 8; ++i) groups[i] = (unsigned{bytes[2 * i]} << 8) | bytes[2 * i + 1];
  const auto [start, length] = LongestZeroRun(groups);
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (length > 0 && i >= start && i < start + length) {
      if (i == start) out += ':';
      continue;
    }
    if (i != 0) out += ':';
    if (i == 6 && start == 0 && (length == 6 || (length == 5 && groups[5] == 0xFFFF))) {
      return out + FormatIpv4(bytes.data() + 12);
    }
    char hex[8];
    std::snprintf(hex, sizeof(hex), "%x", groups[i]);
    out += hex;
  }
  if (length > 0 && start + length == 8) out += ':';
  return out;
}

}  // namespace

std::optional<IpAddress> ParseIpv4(const std::string& text) {
  const std::optional<Ipv4Bytes> quad = ParseDottedQuad(AsCString(text));
  if (!quad) return std::nullopt;
  IpAddress address;
  std::copy(quad->begin(), quad->end(), address.bytes.begin());
  return address;
}

std::optional<IpAddress> ParseIpv6(const std::string& text) {
  const std::optional<Ipv6Bytes> bytes = ParseIpv6Text(AsCString(text));
  if (!bytes) return std::nullopt;
  IpAddress address;
  address.v6 = true;
  address.bytes = *bytes;
  return address;
}

std::optional<IpAddress> ParseIpAddress(const std::string& text) {
  if (std::optional<IpAddress> v4 = ParseIpv4(text)) return v4;
  return ParseIpv6(text);
}

std::string FormatIpAddress(const IpAddress& address) {
  return address.v6 ? FormatIpv6(address.bytes) : FormatIpv4(address.bytes.data());
}

}  // namespace osfleet::platform

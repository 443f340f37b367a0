#include "agent/probe/tds_prelogin.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace osfleet::agent::tds {
namespace {

constexpr size_t kOptionEntrySize = 5;  // token, offset (2 bytes), length (2 bytes)
constexpr size_t kVersionSize = 6;

struct Option {
  uint8_t token;
  std::string data;
};

void PutU16(std::string& out, size_t value) {
  out.push_back(static_cast<char>((value >> 8) & 0xFF));
  out.push_back(static_cast<char>(value & 0xFF));
}

uint8_t Byte(absl::string_view bytes, size_t at) { return static_cast<uint8_t>(bytes[at]); }

size_t GetU16(absl::string_view bytes, size_t at) {
  return (static_cast<size_t>(Byte(bytes, at)) << 8) | Byte(bytes, at + 1);
}

std::string Hex(uint8_t value) { return absl::StrFormat("0x%02X", value); }

// One PRELOGIN packet: header, option table (offsets relative to the payload), data.
std::string WritePacket(uint8_t type, const std::vector<Option>& options) {
  std::string table;
  std::string data;
  const size_t table_size = options.size() * kOptionEntrySize + 1;
  for (const Option& option : options) {
    table.push_back(static_cast<char>(option.token));
    PutU16(table, table_size + data.size());
    PutU16(table, option.data.size());
    data += option.data;
  }
  table.push_back(static_cast<char>(kOptionTerminator));
  std::string packet;
  packet.push_back(static_cast<char>(type));
  packet.push_back(static_cast<char>(kStatusEndOfMessage));
  PutU16(packet, kHeaderSize + table.size() + data.size());
  packet.append({'\0', '\0', '\x01', '\0'});  // SPID 0, packet id 1, window 0
  return packet + table + data;
}

std::string VersionBytes(uint8_t major, uint8_t minor, uint16_t build, uint16_t subbuild) {
  std::string out = {static_cast<char>(major), static_cast<char>(minor)};
  PutU16(out, build);
  PutU16(out, subbuild);
  return out;
}

absl::StatusOr<std::string> ParseVersionText(absl::string_view version) {
  const std::vector<absl::string_view> parts = absl::StrSplit(version, '.');
  uint32_t values[4] = {0, 0, 0, 0};
  const uint32_t limits[4] = {0xFF, 0xFF, 0xFFFF, 0xFFFF};
  bool ok = parts.size() == 3 || parts.size() == 4;
  for (size_t i = 0; ok && i < parts.size(); ++i) {
    ok = absl::SimpleAtoi(parts[i], &values[i]) && values[i] <= limits[i];
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("version '", version,
                     "' is not major.minor.build[.subbuild] (0-255.0-255.0-65535.0-65535)"));
  }
  return VersionBytes(static_cast<uint8_t>(values[0]), static_cast<uint8_t>(values[1]),
                      static_cast<uint16_t>(values[2]), static_cast<uint16_t>(values[3]));
}

absl::Status Malformed(absl::string_view what) { return absl::DataLossError(std::string(what)); }

std::string OptionName(uint8_t token) {
  switch (token) {
    case kOptionVersion:
      return "VERSION";
    case kOptionEncryption:
      return "ENCRYPTION";
    case kOptionInstOpt:
      return "INSTOPT";
    case kOptionThreadId:
      return "THREADID";
    case kOptionMars:
      return "MARS";
    default:
      return Hex(token);
  }
}

// The VERSION option's data, after checking every entry of the option table.
absl::StatusOr<absl::string_view> FindVersion(absl::string_view payload) {
  std::optional<absl::string_view> version;
  size_t pos = 0;
  while (true) {
    if (pos >= payload.size()) {
      return Malformed("a PRELOGIN option table without its 0xFF terminator");
    }
    const uint8_t token = Byte(payload, pos);
    if (token == kOptionTerminator) break;
    if (pos + kOptionEntrySize > payload.size()) {
      return Malformed(absl::StrCat("a PRELOGIN option table cut off in option ", Hex(token)));
    }
    const size_t offset = GetU16(payload, pos + 1);
    const size_t length = GetU16(payload, pos + 3);
    if (offset + length > payload.size()) {
      return Malformed(absl::StrCat("PRELOGIN option ", OptionName(token), " at offset ", offset,
                                    ", length ", length, ", past the end of the ", payload.size(),
                                    "-byte payload"));
    }
    if (token == kOptionVersion && !version) version = payload.substr(offset, length);
    pos += kOptionEntrySize;
  }
  if (!version) return Malformed("a PRELOGIN response without a VERSION option");
  return *version;
}

}  // namespace

std::string BuildPreloginPacket() {
  // The client VERSION is informational; servers answer with their own.
  return WritePacket(kPacketPrelogin, {{kOptionVersion, VersionBytes(0, 0, 0, 0)},
                                       {kOptionEncryption, std::string(1, kEncryptOff)},
                                       {kOptionInstOpt, std::string(1, '\0')},
                                       {kOptionThreadId, std::string(4, '\0')},
                                       {kOptionMars, std::string(1, '\0')}});
}

absl::StatusOr<std::string> BuildPreloginResponse(absl::string_view version) {
  absl::StatusOr<std::string> version_bytes = ParseVersionText(version);
  if (!version_bytes.ok()) return version_bytes.status();
  constexpr char kEncryptNotSupported = 0x02;  // the fakes speak no TLS
  return WritePacket(kPacketTabularResult,
                     {{kOptionVersion, *version_bytes},
                      {kOptionEncryption, std::string(1, kEncryptNotSupported)},
                      {kOptionInstOpt, std::string(1, '\0')},
                      {kOptionThreadId, ""},
                      {kOptionMars, std::string(1, '\0')}});
}

absl::StatusOr<size_t> ExpectedResponseSize(absl::string_view received) {
  if (received.empty()) return 0;
  if (Byte(received, 0) != kPacketTabularResult) {
    return Malformed(
        absl::StrCat("something that is not TDS (first byte ", Hex(Byte(received, 0)), ")"));
  }
  if (received.size() >= 2 && (Byte(received, 1) & kStatusEndOfMessage) == 0) {
    return Malformed(absl::StrCat("a TDS packet with status ", Hex(Byte(received, 1)),
                                  " (not end-of-message); a PRELOGIN answer is one packet"));
  }
  if (received.size() < 4) return 0;
  const size_t length = GetU16(received, 2);
  if (length < kHeaderSize) {
    return Malformed(absl::StrCat("a TDS header giving a packet length of ", length,
                                  ", shorter than the header itself"));
  }
  if (length > kMaxPreloginPacket) {
    return Malformed(absl::StrCat("a TDS packet of ", length, " bytes, more than the ",
                                  kMaxPreloginPacket, " a PRELOGIN answer may have"));
  }
  return length;
}

absl::StatusOr<std::string> ParsePreloginResponse(absl::string_view packet) {
  if (packet.empty()) return Malformed("an empty response");
  absl::StatusOr<size_t> size = ExpectedResponseSize(packet);
  if (!size.ok()) return size.status();
  if (packet.size() < kHeaderSize) {
    return Malformed(absl::StrCat("a truncated TDS header (", packet.size(), " of 8 bytes)"));
  }
  if (packet.size() != *size) {
    return Malformed(absl::StrCat(packet.size() < *size ? "a truncated" : "an overlong",
                                  " TDS packet (the header says ", *size, " bytes, got ",
                                  packet.size(), ")"));
  }
  absl::StatusOr<absl::string_view> version = FindVersion(packet.substr(kHeaderSize));
  if (!version.ok()) return version.status();
  if (version->size() != kVersionSize) {
    return Malformed(absl::StrCat("a PRELOGIN VERSION of ", version->size(), " bytes (expected ",
                                  kVersionSize, ")"));
  }
  return absl::StrCat(Byte(*version, 0), ".", Byte(*version, 1), ".", GetU16(*version, 2), ".",
                      GetU16(*version, 4));
}

}  // namespace osfleet::agent::tds

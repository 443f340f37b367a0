#include "agent/probe/tds_prelogin.h"

#include <map>
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

// The data of each option (the first of a token), after checking every entry of the table.
absl::StatusOr<std::map<uint8_t, absl::string_view>> FindOptions(absl::string_view payload) {
  std::map<uint8_t, absl::string_view> options;
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
    options.emplace(token, payload.substr(offset, length));
    pos += kOptionEntrySize;
  }
  return options;
}

std::optional<uint8_t> FirstByte(const std::map<uint8_t, absl::string_view>& options,
                                 uint8_t token) {
  auto it = options.find(token);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return Byte(it->second, 0);
}

// Checks the header of one whole PRELOGIN packet (0x12 from a client) and parses its options.
absl::StatusOr<std::map<uint8_t, absl::string_view>> RequestOptions(absl::string_view packet) {
  if (packet.size() < kHeaderSize) {
    return Malformed(absl::StrCat("a truncated TDS header (", packet.size(), " of 8 bytes)"));
  }
  if (Byte(packet, 0) != kPacketPrelogin) {
    return Malformed(absl::StrCat("a TDS packet of type ", Hex(Byte(packet, 0)), ", not PRELOGIN"));
  }
  if (GetU16(packet, 2) != packet.size()) {
    return Malformed(absl::StrCat("a TDS header giving ", GetU16(packet, 2), " bytes for a ",
                                  packet.size(), "-byte packet"));
  }
  return FindOptions(packet.substr(kHeaderSize));
}

}  // namespace

std::string BuildPreloginPacket(absl::string_view instance, uint8_t encryption) {
  std::string instopt(instance.substr(0, kMaxInstanceOption));
  instopt.push_back('\0');
  // The client VERSION is informational; servers answer with their own.
  return WritePacket(kPacketPrelogin, {{kOptionVersion, VersionBytes(0, 0, 0, 0)},
                                       {kOptionEncryption, std::string(1, encryption)},
                                       {kOptionInstOpt, instopt},
                                       {kOptionThreadId, std::string(4, '\0')},
                                       {kOptionMars, std::string(1, '\0')}});
}

absl::StatusOr<PreloginRequest> ParsePreloginRequest(absl::string_view packet) {
  absl::StatusOr<std::map<uint8_t, absl::string_view>> options = RequestOptions(packet);
  if (!options.ok()) return options.status();
  PreloginRequest request;
  request.encryption = FirstByte(*options, kOptionEncryption).value_or(kEncryptOff);
  if (auto it = options->find(kOptionInstOpt); it != options->end()) {
    request.instance = std::string(it->second.substr(0, it->second.find('\0')));
  }
  return request;
}

absl::StatusOr<std::string> BuildPreloginResponse(absl::string_view version, uint8_t encryption,
                                                  bool instance_accepted) {
  absl::StatusOr<std::string> version_bytes = ParseVersionText(version);
  if (!version_bytes.ok()) return version_bytes.status();
  const uint8_t instopt = instance_accepted ? kInstanceAccepted : kInstanceMismatch;
  return WritePacket(kPacketTabularResult, {{kOptionVersion, *version_bytes},
                                            {kOptionEncryption, std::string(1, encryption)},
                                            {kOptionInstOpt, std::string(1, instopt)},
                                            {kOptionThreadId, ""},
                                            {kOptionMars, std::string(1, '\0')}});
}

std::string PreloginDataPackets(absl::string_view payload) {
  constexpr size_t kChunk = kMaxPreloginPacket - kHeaderSize;
  std::string out;
  uint8_t id = 1;
  do {
    const absl::string_view chunk = payload.substr(0, kChunk);
    payload.remove_prefix(chunk.size());
    out.push_back(static_cast<char>(kPacketPrelogin));
    out.push_back(static_cast<char>(payload.empty() ? kStatusEndOfMessage : 0));
    PutU16(out, kHeaderSize + chunk.size());
    out.append({'\0', '\0', static_cast<char>(id++), '\0'});
    out.append(chunk.data(), chunk.size());
  } while (!payload.empty());
  return out;
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

absl::StatusOr<PreloginAnswer> ParsePreloginAnswer(absl::string_view packet) {
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
  absl::StatusOr<std::map<uint8_t, absl::string_view>> options =
      FindOptions(packet.substr(kHeaderSize));
  if (!options.ok()) return options.status();
  auto version = options->find(kOptionVersion);
  if (version == options->end()) return Malformed("a PRELOGIN response without a VERSION option");
  const absl::string_view v = version->second;
  if (v.size() != kVersionSize) {
    return Malformed(
        absl::StrCat("a PRELOGIN VERSION of ", v.size(), " bytes (expected ", kVersionSize, ")"));
  }
  PreloginAnswer answer;
  answer.version = absl::StrCat(Byte(v, 0), ".", Byte(v, 1), ".", GetU16(v, 2), ".", GetU16(v, 4));
  answer.encryption = FirstByte(*options, kOptionEncryption);
  answer.instance = FirstByte(*options, kOptionInstOpt);
  return answer;
}

absl::StatusOr<std::string> ParsePreloginResponse(absl::string_view packet) {
  absl::StatusOr<PreloginAnswer> answer = ParsePreloginAnswer(packet);
  if (!answer.ok()) return answer.status();
  return answer->version;
}

}  // namespace osfleet::agent::tds

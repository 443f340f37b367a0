#include "agent/probe/tns_packet.h"

#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace osfleet::agent::tns {
namespace {

// Fixed CONNECT fields after the header, up to and including the two connect flags.
constexpr size_t kConnectFieldsEnd = kHeaderSize + 26;
constexpr size_t kAcceptMinSize = kHeaderSize + 16;
constexpr size_t kRefuseMinSize = kHeaderSize + 4;
constexpr size_t kRedirectMinSize = kHeaderSize + 2;
constexpr uint16_t kServiceOptions = 0x0001;           // "don't care"
constexpr uint16_t kProtocolCharacteristics = 0x4F98;  // as python-oracledb sends
constexpr uint8_t kConnectFlags = 0x04;                // no native network encryption
constexpr absl::string_view kReserved = "()=\\\"'";

void PutU16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xFF));
}

void PutU32(std::string& out, uint32_t value) {
  PutU16(out, static_cast<uint16_t>(value >> 16));
  PutU16(out, static_cast<uint16_t>(value & 0xFFFF));
}

uint16_t GetU16(absl::string_view bytes, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[at]) << 8) |
                               static_cast<uint8_t>(bytes[at + 1]));
}

absl::Status NotTns(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("something that is not TNS (", what, ")"));
}

absl::Status Truncated(absl::string_view packet_name, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("a malformed TNS ", packet_name, " (", what, ")"));
}

bool Unsafe(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u >= 0x7F || kReserved.find(c) != absl::string_view::npos;
}

absl::Status CheckValue(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty() && required) {
    return absl::InvalidArgumentError(absl::StrCat("TNS CONNECT: the ", field, " is empty"));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!Unsafe(value[i])) continue;
    return absl::InvalidArgumentError(absl::StrFormat(
        "TNS CONNECT: the %s holds byte 0x%02x at position %d, which a connect descriptor "
        "cannot carry",
        field, static_cast<uint8_t>(value[i]), i + 1));
  }
  return absl::OkStatus();
}

std::string ConnectFields(size_t data_length) {
  std::string out;
  PutU16(out, kVersion);
  PutU16(out, kCompatibleVersion);
  PutU16(out, kServiceOptions);
  PutU16(out, kSdu);
  PutU16(out, kTdu);
  PutU16(out, kProtocolCharacteristics);
  PutU16(out, 0);  // line turnaround
  PutU16(out, 1);  // value of one
  PutU16(out, static_cast<uint16_t>(data_length));
  PutU16(out, static_cast<uint16_t>(kConnectDataOffset));
  PutU32(out, 0);  // max receivable connect data
  out.push_back(static_cast<char>(kConnectFlags));
  out.push_back(static_cast<char>(kConnectFlags));
  out.append(kConnectDataOffset - kConnectFieldsEnd, '\0');  // trace ids, reserved
  return out;
}

}  // namespace

std::string DescriptorSafe(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (Unsafe(c)) c = '_';
  }
  return out;
}

absl::StatusOr<std::string> BuildConnectDescriptor(const ConnectData& data) {
  const bool by_sid = !data.sid.empty();
  for (const auto& [field, value, required] :
       {std::tuple<absl::string_view, absl::string_view, bool>{"service name", data.service_name,
                                                               !by_sid},
        {"SID", data.sid, false},
        {"program", data.program, false},
        {"client host", data.client_host, false},
        {"client user", data.client_user, false},
        {"listener host", data.address_host, true}}) {
    if (absl::Status s = CheckValue(field, value, required); !s.ok()) return s;
  }
  const std::string target = by_sid ? absl::StrCat("(SID=", data.sid, ")")
                                    : absl::StrCat("(SERVICE_NAME=", data.service_name, ")");
  return absl::StrCat("(DESCRIPTION=(CONNECT_DATA=", target, "(CID=(PROGRAM=", data.program,
                      ")(HOST=", data.client_host, ")(USER=", data.client_user,
                      ")))(ADDRESS=(PROTOCOL=TCP)(HOST=", data.address_host,
                      ")(PORT=", data.address_port, ")))");
}

std::string BuildPacket(uint8_t type, absl::string_view body, uint8_t flags) {
  std::string out;
  PutU16(out, static_cast<uint16_t>(kHeaderSize + body.size()));
  PutU16(out, 0);  // packet checksum
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  PutU16(out, 0);  // header checksum
  out.append(body.data(), body.size());
  return out;
}

absl::StatusOr<std::string> BuildConnect(absl::string_view descriptor) {
  if (descriptor.size() <= kMaxInlineConnectData) {
    return BuildPacket(kPacketConnect, absl::StrCat(ConnectFields(descriptor.size()), descriptor));
  }
  if (kHeaderSize + 2 + descriptor.size() > kSdu) {
    return absl::InvalidArgumentError(absl::StrCat("TNS CONNECT: the connect descriptor has ",
                                                   descriptor.size(), " bytes, more than ",
                                                   kSdu - kHeaderSize - 2, " fit one packet"));
  }
  return absl::StrCat(BuildPacket(kPacketConnect, ConnectFields(descriptor.size())),
                      BuildPacket(kPacketData, absl::StrCat(std::string(2, '\0'), descriptor)));
}

absl::StatusOr<size_t> PacketSize(absl::string_view bytes, size_t max) {
  if (bytes.size() > 4) {
    const auto type = static_cast<uint8_t>(bytes[4]);
    if (type == 0 || type > kMaxPacketType) {
      return NotTns(absl::StrFormat("packet type 0x%02x at byte 5; TNS types are 1 to %d", type,
                                    kMaxPacketType));
    }
  }
  if (bytes.size() >= 4) {
    const uint16_t checksum = GetU16(bytes, 2);
    if (checksum != 0 && checksum != 4) {
      return NotTns(
          absl::StrFormat("packet checksum field 0x%04x; a 16-bit-length packet has 0", checksum));
    }
  }
  if (bytes.size() < 2) return 0;
  const size_t length = GetU16(bytes, 0);
  if (length < kHeaderSize) {
    return NotTns(absl::StrCat("declared packet length ", length, " is shorter than the ",
                               kHeaderSize, "-byte header"));
  }
  if (length > max) {
    return NotTns(absl::StrCat("declared packet length ", length, " is more than the ", max,
                               " bytes allowed"));
  }
  return bytes.size() < kHeaderSize ? 0 : length;
}

absl::StatusOr<Answer> ParseAnswer(absl::string_view packet) {
  absl::StatusOr<size_t> size = PacketSize(packet);
  if (!size.ok()) return size.status();
  if (*size == 0 || *size != packet.size()) {
    return Truncated("packet", absl::StrCat("got ", packet.size(), " bytes, its header says ",
                                            packet.size() < 2 ? 0 : GetU16(packet, 0)));
  }
  Answer answer;
  answer.type = static_cast<uint8_t>(packet[4]);
  switch (answer.type) {
    case kPacketAccept: {
      if (packet.size() < kAcceptMinSize) {
        return Truncated("ACCEPT", absl::StrCat(packet.size(), " bytes, fewer than its ",
                                                kAcceptMinSize, " bytes of fields"));
      }
      answer.kind = TnsAnswer::kAccept;
      answer.version = GetU16(packet, 8);
      const size_t length = GetU16(packet, 18);
      const size_t offset = GetU16(packet, 20);
      if (length > 0 && (offset < kAcceptMinSize || offset + length > packet.size())) {
        return Truncated("ACCEPT", absl::StrCat("its ", length, " bytes of data at offset ", offset,
                                                " run past its ", packet.size(), " bytes"));
      }
      if (length > 0) answer.data = std::string(packet.substr(offset, length));
      return answer;
    }
    case kPacketRefuse: {
      if (packet.size() < kRefuseMinSize) {
        return Truncated("REFUSE", absl::StrCat(packet.size(), " bytes, fewer than its ",
                                                kRefuseMinSize, " bytes of fields"));
      }
      answer.kind = TnsAnswer::kRefuse;
      answer.user_reason = static_cast<uint8_t>(packet[8]);
      answer.system_reason = static_cast<uint8_t>(packet[9]);
      const size_t length = GetU16(packet, 10);
      if (length > packet.size() - kRefuseMinSize) {
        return Truncated("REFUSE", absl::StrCat("data length ", length, " but ",
                                                packet.size() - kRefuseMinSize, " bytes follow"));
      }
      answer.data = std::string(packet.substr(kRefuseMinSize, length));
      answer.error = FindErrorCode(answer.data);
      return answer;
    }
    case kPacketRedirect: {
      if (packet.size() < kRedirectMinSize) {
        return Truncated("REDIRECT", absl::StrCat(packet.size(), " bytes, fewer than its ",
                                                  kRedirectMinSize, " bytes of fields"));
      }
      answer.kind = TnsAnswer::kRedirect;
      const size_t length = GetU16(packet, 8);
      const size_t left = packet.size() - kRedirectMinSize;
      answer.data_follows = length > 0 && left == 0;
      if (!answer.data_follows && length > left) {
        return Truncated("REDIRECT",
                         absl::StrCat("data length ", length, " but ", left, " bytes follow"));
      }
      answer.data = std::string(packet.substr(kRedirectMinSize, answer.data_follows ? 0 : length));
      return answer;
    }
    case kPacketResend:
      answer.kind = TnsAnswer::kResend;
      return answer;
    default:
      answer.kind = TnsAnswer::kOther;
      return answer;
  }
}

std::optional<std::string> FindValue(absl::string_view text, absl::string_view key) {
  for (size_t open = text.find('('); open != absl::string_view::npos;
       open = text.find('(', open + 1)) {
    absl::string_view rest = absl::StripLeadingAsciiWhitespace(text.substr(open + 1));
    if (!absl::StartsWithIgnoreCase(rest, key)) continue;
    rest = absl::StripLeadingAsciiWhitespace(rest.substr(key.size()));
    if (!absl::ConsumePrefix(&rest, "=")) continue;
    const size_t end = rest.find_first_of("()");
    return std::string(absl::StripAsciiWhitespace(rest.substr(0, end)));
  }
  return std::nullopt;
}

int FindErrorCode(absl::string_view text) {
  const std::optional<std::string> value = FindValue(text, "ERR");
  int code = 0;
  if (!value || !absl::SimpleAtoi(*value, &code) || code < 0) return 0;
  return code;
}

absl::StatusOr<ConnectRequest> ParseConnect(absl::string_view packet) {
  absl::StatusOr<size_t> size = PacketSize(packet, 0xFFFF);
  if (!size.ok()) return size.status();
  if (*size != packet.size() || static_cast<uint8_t>(packet[4]) != kPacketConnect) {
    return Truncated("CONNECT", "not a whole CONNECT packet");
  }
  if (packet.size() < kConnectFieldsEnd) {
    return Truncated("CONNECT", absl::StrCat(packet.size(), " bytes, fewer than its ",
                                             kConnectFieldsEnd, " bytes of fields"));
  }
  ConnectRequest request;
  request.version = GetU16(packet, 8);
  request.compatible_version = GetU16(packet, 10);
  request.sdu = GetU16(packet, 14);
  request.data_length = GetU16(packet, 24);
  const size_t offset = GetU16(packet, 26);
  if (offset < kConnectFieldsEnd) {
    return Truncated("CONNECT",
                     absl::StrCat("connect data offset ", offset, " points into its fields"));
  }
  request.data_follows = request.data_length > kMaxInlineConnectData && packet.size() <= offset;
  if (request.data_follows) return request;
  if (offset + request.data_length > packet.size()) {
    return Truncated("CONNECT",
                     absl::StrCat(request.data_length, " bytes of connect data at ", "offset ",
                                  offset, " run past its ", packet.size(), " bytes"));
  }
  request.descriptor = std::string(packet.substr(offset, request.data_length));
  return request;
}

absl::StatusOr<std::string> ParseConnectDataPacket(absl::string_view packet) {
  absl::StatusOr<size_t> size = PacketSize(packet, 0xFFFF);
  if (!size.ok()) return size.status();
  if (*size != packet.size() || static_cast<uint8_t>(packet[4]) != kPacketData ||
      packet.size() < kHeaderSize + 2) {
    return Truncated("DATA", "expected the connect data after a long CONNECT");
  }
  return std::string(packet.substr(kHeaderSize + 2));
}

std::string BuildAccept(uint16_t version) {
  std::string body;
  PutU16(body, version);
  PutU16(body, kServiceOptions);
  PutU16(body, kSdu);
  PutU16(body, kTdu);
  PutU16(body, 1);  // value of one
  PutU16(body, 0);  // accept data length
  PutU16(body, static_cast<uint16_t>(kAcceptMinSize));
  body.push_back(static_cast<char>(kConnectFlags));
  body.push_back(static_cast<char>(kConnectFlags));
  return BuildPacket(kPacketAccept, body);
}

std::string BuildRefuse(absl::string_view data, uint8_t user_reason, uint8_t system_reason) {
  std::string body = {static_cast<char>(user_reason), static_cast<char>(system_reason)};
  PutU16(body, static_cast<uint16_t>(data.size()));
  body.append(data.data(), data.size());
  return BuildPacket(kPacketRefuse, body);
}

std::string BuildRedirect(absl::string_view data) {
  std::string body;
  PutU16(body, static_cast<uint16_t>(data.size()));
  body.append(data.data(), data.size());
  return BuildPacket(kPacketRedirect, body);
}

std::string BuildResend() { return BuildPacket(kPacketResend, ""); }

}  // namespace osfleet::agent::tns

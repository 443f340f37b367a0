// Oracle Net (TNS) packets: the CONNECT a client sends to a listener, the listener's
// answers (ACCEPT, REFUSE, REDIRECT, RESEND), and their parsing, every length checked.
// Shared by the probe (agent/probe/tns_connect.h) and the fake listener
// (tests/fakes/fake_tns_listener.h). No authentication is ever built here.
//
// Layouts, from public references:
// - Wireshark's TNS dissector (epan/dissectors/packet-tns.c): the 8-byte header (length
//   BE16, packet checksum, type, flags, header checksum), the packet types (CONNECT 1,
//   ACCEPT 2, REFUSE 4, REDIRECT 5, DATA 6, RESEND 11, ... up to 19), the CONNECT fields
//   (version, compatible version, service options, SDU, TDU, protocol characteristics,
//   line turnaround, value of one, connect data length and offset, max receivable data,
//   connect flags), ACCEPT (version, options, SDU, TDU, value of one, data length and
//   offset, flags), REFUSE (user reason, system reason, data length, data) and REDIRECT
//   (data length, data); its note that a packet checksum field of 0 (or 4) means the
//   16-bit length form.
// - python-oracledb's thin driver (src/oracledb/impl/thin: the CONNECT message and
//   constants): connect data longer than TNS_MAX_CONNECT_DATA (230 bytes) leaves the
//   CONNECT and follows it in a DATA packet (2 bytes of data flags, then the text); on
//   RESEND the client sends its CONNECT again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/probe/fingerprint.h"

namespace osfleet::agent::tns {

inline constexpr size_t kHeaderSize = 8;
inline constexpr uint8_t kPacketConnect = 1;
inline constexpr uint8_t kPacketAccept = 2;
inline constexpr uint8_t kPacketRefuse = 4;
inline constexpr uint8_t kPacketRedirect = 5;
inline constexpr uint8_t kPacketData = 6;
inline constexpr uint8_t kPacketResend = 11;
inline constexpr uint8_t kMaxPacketType = 19;

inline constexpr uint16_t kVersion = 314;  // 11g's; answers keep the 16-bit length form
inline constexpr uint16_t kCompatibleVersion = 300;
inline constexpr uint16_t kSdu = 8192;
inline constexpr uint16_t kTdu = 32767;
// Where the connect data starts in a version-314 CONNECT (header, 26 bytes of fields, 24
// bytes of trace/reserved zeros).
inline constexpr size_t kConnectDataOffset = 58;
inline constexpr size_t kMaxInlineConnectData = 230;
// No answer may be larger than the SDU we offered.
inline constexpr size_t kMaxPacket = kSdu;

// What goes in the connect descriptor. SID (when set) replaces SERVICE_NAME.
struct ConnectData {
  std::string service_name;
  std::string sid;
  std::string program = "osagent";
  std::string client_host;  // this server's name: (CID=(HOST=...))
  std::string client_user = "osagent";
  std::string address_host;  // the listener's host as the address gives it
  uint16_t address_port = 0;
};

// "(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=svc)(CID=(PROGRAM=osagent)(HOST=h)
// (USER=osagent)))(ADDRESS=(PROTOCOL=TCP)(HOST=ip)(PORT=p)))" (one line). INVALID_ARGUMENT
// naming the field when a value is empty (service, host) or holds a character the
// descriptor syntax reserves ("()=\\\"'", blanks, controls, non-ASCII).
absl::StatusOr<std::string> BuildConnectDescriptor(const ConnectData& data);

// A character the descriptor syntax cannot carry in a value, replaced by '_' (for text we
// choose, such as this server's name).
std::string DescriptorSafe(absl::string_view text);

// The CONNECT for `descriptor`: data inline when it has at most 230 bytes; otherwise the
// CONNECT (declaring the length, no data) followed by a DATA packet holding it, both in
// the returned bytes. INVALID_ARGUMENT when it cannot fit one packet of our SDU.
absl::StatusOr<std::string> BuildConnect(absl::string_view descriptor);

// A packet of `type` with `body` after the header (checksums 0). body.size() + 8 <= 65535.
std::string BuildPacket(uint8_t type, absl::string_view body, uint8_t flags = 0);

// The size of the packet that starts `bytes`: 0 while fewer than 8 bytes are known.
// DATA_LOSS saying what is not TNS about it: a type outside 1..19, a packet checksum
// field other than 0 or 4, a length below 8 or above `max`.
absl::StatusOr<size_t> PacketSize(absl::string_view bytes, size_t max = kMaxPacket);

// A listener's answer to CONNECT.
struct Answer {
  TnsAnswer kind = TnsAnswer::kNone;
  uint8_t type = 0;
  uint16_t version = 0;       // ACCEPT: the version the listener chose
  uint8_t user_reason = 0;    // REFUSE
  uint8_t system_reason = 0;  // REFUSE
  std::string data;           // REFUSE, REDIRECT, ACCEPT: the text it carries (may be empty)
  bool data_follows = false;  // REDIRECT: its data comes in a next packet (not read)
  int error = 0;              // REFUSE: the number in "(ERR=NNNNN)", 0 when none
};

// Parses one whole packet (as PacketSize measured it). DATA_LOSS naming the field when a
// declared length or offset runs past the packet.
absl::StatusOr<Answer> ParseAnswer(absl::string_view packet);

// The value of the first "(KEY=value)" in Oracle NV text, the key in any case; nullopt
// when absent. The value ends at the next '(' or ')'.
std::optional<std::string> FindValue(absl::string_view text, absl::string_view key);

// The number in "(ERR=NNNNN)"; 0 when there is none or it is not a number.
int FindErrorCode(absl::string_view text);

// ---- The listener's side, for fakes ---------------------------------------------------

// A client's CONNECT, parsed.
struct ConnectRequest {
  uint16_t version = 0;
  uint16_t compatible_version = 0;
  uint16_t sdu = 0;
  size_t data_length = 0;
  std::string descriptor;     // empty when it follows in a DATA packet
  bool data_follows = false;  // data_length > 0 and nothing inline
};

// DATA_LOSS naming the field when the packet is not a well-formed CONNECT.
absl::StatusOr<ConnectRequest> ParseConnect(absl::string_view packet);

// The connect data carried by the DATA packet after a long CONNECT (flags, then text).
absl::StatusOr<std::string> ParseConnectDataPacket(absl::string_view packet);

std::string BuildAccept(uint16_t version);
std::string BuildRefuse(absl::string_view data, uint8_t user_reason, uint8_t system_reason);
std::string BuildRedirect(absl::string_view data);
std::string BuildResend();

}  // namespace osfleet::agent::tns

// TDS PRELOGIN (MS-TDS 2.2.6.5): the first message a SQL Server client sends. The server's
// answer (packet type 0x04) carries its product version, which proves a SQL Server listens
// and tells which one, its ENCRYPTION choice and whether it is the instance named in our
// INSTOPT. The TLS handshake that may follow travels in PRELOGIN packets too
// (PreloginDataPackets); we never log in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet::agent::tds {

inline constexpr uint8_t kPacketPrelogin = 0x12;
inline constexpr uint8_t kPacketTabularResult = 0x04;
inline constexpr uint8_t kStatusEndOfMessage = 0x01;
inline constexpr size_t kHeaderSize = 8;
// The packet size before login negotiates one; a PRELOGIN answer is ~40 bytes.
inline constexpr size_t kMaxPreloginPacket = 4096;

// Option tokens of a PRELOGIN payload.
inline constexpr uint8_t kOptionVersion = 0x00;
inline constexpr uint8_t kOptionEncryption = 0x01;
inline constexpr uint8_t kOptionInstOpt = 0x02;
inline constexpr uint8_t kOptionThreadId = 0x03;
inline constexpr uint8_t kOptionMars = 0x04;
inline constexpr uint8_t kOptionTerminator = 0xFF;
// ENCRYPTION values (MS-TDS 2.2.6.5).
inline constexpr uint8_t kEncryptOff = 0x00;  // what we offer: a server that insists says so
inline constexpr uint8_t kEncryptOn = 0x01;
inline constexpr uint8_t kEncryptNotSupported = 0x02;
inline constexpr uint8_t kEncryptRequired = 0x03;
// INSTOPT answers: the server is the instance the client named (or it named none), or not.
inline constexpr uint8_t kInstanceAccepted = 0x00;
inline constexpr uint8_t kInstanceMismatch = 0x01;
// The longest INSTOPT we send (SQL Server instance names have at most 16 characters).
inline constexpr size_t kMaxInstanceOption = 255;

// The client's PRELOGIN: header (type 0x12, EOM, length, SPID 0, packet 1, window 0) and
// the options VERSION, ENCRYPTION (`encryption`), INSTOPT (`instance` then NUL; "\0" alone,
// which every instance accepts, when empty; cut at kMaxInstanceOption), THREADID, MARS (off).
std::string BuildPreloginPacket(absl::string_view instance = "", uint8_t encryption = kEncryptOff);

// What a client's PRELOGIN asked (the fake server reads it).
struct PreloginRequest {
  uint8_t encryption = kEncryptOff;
  std::string instance;  // INSTOPT up to its NUL; empty: any instance
};
absl::StatusOr<PreloginRequest> ParsePreloginRequest(absl::string_view packet);

// The server side, for fakes: a 0x04 packet with the same options, VERSION set from
// "major.minor.build[.subbuild]" (each part in range), ENCRYPTION `encryption` and INSTOPT
// 0x00 or 0x01. INVALID_ARGUMENT for a bad version.
absl::StatusOr<std::string> BuildPreloginResponse(absl::string_view version,
                                                  uint8_t encryption = kEncryptNotSupported,
                                                  bool instance_accepted = true);

// `payload` (TLS records) as PRELOGIN packets of at most kMaxPreloginPacket bytes, type 0x12,
// the last one end-of-message: how TDS 7.x carries the TLS handshake.
std::string PreloginDataPackets(absl::string_view payload);

// A server's PRELOGIN answer.
struct PreloginAnswer {
  std::string version;                // "15.0.4153.1"
  std::optional<uint8_t> encryption;  // its ENCRYPTION byte, when it sent one
  std::optional<uint8_t> instance;    // its INSTOPT byte: kInstanceAccepted / kInstanceMismatch
};

// Checks the bytes received so far against a TDS header: 0 while fewer than 4 bytes are
// known, then the whole packet's size. Errors as for ParsePreloginResponse, so a reader
// fails on the first byte of a non-TDS answer instead of waiting for a length.
absl::StatusOr<size_t> ExpectedResponseSize(absl::string_view received);

// The answer in exactly one 0x04 response packet. Every length and offset is bounds-checked.
// Error messages complete "the server answered with ...", e.g. "something that is not TDS
// (first byte 0x48)".
absl::StatusOr<PreloginAnswer> ParsePreloginAnswer(absl::string_view packet);

// Its version only.
absl::StatusOr<std::string> ParsePreloginResponse(absl::string_view packet);

}  // namespace osfleet::agent::tds

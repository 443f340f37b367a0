// TDS PRELOGIN (MS-TDS 2.2.6.5): the first message a SQL Server client sends. The server's
// answer (packet type 0x04) carries its product version, which proves a SQL Server listens
// and tells which one. We never go further (no TLS, no login, no credentials).
#pragma once

#include <cstddef>
#include <cstdint>
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
inline constexpr uint8_t kEncryptOff = 0x00;  // what we offer: a server that insists says so

// The client's PRELOGIN: header (type 0x12, EOM, length, SPID 0, packet 1, window 0) and
// the options VERSION, ENCRYPTION (ENCRYPT_OFF), INSTOPT ("\0"), THREADID, MARS (off).
std::string BuildPreloginPacket();

// The server side, for fakes: a 0x04 packet with the same options and VERSION set from
// "major.minor.build[.subbuild]" (each part in range). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> BuildPreloginResponse(absl::string_view version);

// Checks the bytes received so far against a TDS header: 0 while fewer than 4 bytes are
// known, then the whole packet's size. Errors as for ParsePreloginResponse, so a reader
// fails on the first byte of a non-TDS answer instead of waiting for a length.
absl::StatusOr<size_t> ExpectedResponseSize(absl::string_view received);

// The server version "15.0.4153.1" from exactly one 0x04 response packet. Every length and
// offset is bounds-checked. Error messages complete "the server answered with ...", e.g.
// "something that is not TDS (first byte 0x48)".
absl::StatusOr<std::string> ParsePreloginResponse(absl::string_view packet);

}  // namespace osfleet::agent::tds

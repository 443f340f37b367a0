// Database addresses as an OutSystems administrator writes them, parsed and validated.
// SQL Server: "[tcp:]host[\instance][,port]"; Oracle: "host[:port]/service_name".
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace osfleet {

inline constexpr size_t kMaxHostnameLength = 253;
inline constexpr size_t kMaxInstanceNameLength = 16;
inline constexpr uint32_t kDefaultOraclePort = 1521;

struct SqlServerAddress {
  std::string host;      // hostname, IPv4 or IPv6 literal (without brackets)
  std::string instance;  // empty for the default instance
  uint32_t port = 0;     // 0 when not given
  bool tcp_prefix = false;

  bool operator==(const SqlServerAddress& o) const {
    return host == o.host && instance == o.instance && port == o.port && tcp_prefix == o.tcp_prefix;
  }
};

struct OracleAddress {
  std::string host;
  uint32_t port = kDefaultOraclePort;
  std::string service_name;
};

// Validates a host: an RFC 1123 hostname (<= 253 chars, labels <= 63, letters, digits,
// hyphens, not starting/ending with a hyphen), an IPv4 literal or an IPv6 literal (no
// brackets). INVALID_ARGUMENT says what is wrong and where.
absl::Status ValidateHost(absl::string_view host);

// True for "localhost" (any case, optional trailing dot), 127.0.0.0/8, ::1 (also as
// ::ffff:127.x.x.x), and SQL Server's local shorthands "(local)" and ".".
bool IsLoopbackHost(absl::string_view host);

// Parses "[tcp:]host[\instance][,port]". IPv6 literals may be bracketed ("[::1],1433")
// or bare ("::1,1433"; the port follows the last comma). "host:port" is refused with the
// text to write instead ("host,port"), "np:" and "lpc:" (named pipes, shared memory) as
// unusable by a farm. Rejects whitespace, control characters, XML metacharacters, empty parts,
// instance names over 16 characters or with characters SQL Server does not allow, and
// ports outside 1..65535, with INVALID_ARGUMENT naming the offending part.
absl::StatusOr<SqlServerAddress> ParseSqlServerAddress(absl::string_view text);

// The canonical text form "[tcp:]host[\instance][,port]"; IPv6 hosts are written bare
// ("tcp:2001:db8::5,1433"), as SqlClient reads them.
std::string FormatSqlServerAddress(const SqlServerAddress& address);

// Parses "host[:port]/service_name" (IPv6 hosts bracketed: "[::1]:1521/SVC").
// The port defaults to 1521. Service names: letters, digits, '_', '.', '-', '$', '#',
// at most 128 characters.
absl::StatusOr<OracleAddress> ParseOracleAddress(absl::string_view text);

// "host:port/service_name", brackets around IPv6 hosts.
std::string FormatOracleAddress(const OracleAddress& address);

// A new database address as an operator gives it, checked before any server is asked
// (osctl; each agent checks it again against its own provider): a SQL Server address or an
// Oracle one. INVALID_ARGUMENT as ParseOracleAddress says when the text has a '/' (which
// only Oracle's form has) and as ParseSqlServerAddress says otherwise.
absl::Status ValidateDatabaseAddress(absl::string_view text);

// Rejects empty text, control characters and XML metacharacters (< > & " ') with
// INVALID_ARGUMENT naming the character and its position. Used by every parser above.
absl::Status CheckSafeText(absl::string_view text, absl::string_view what);

}  // namespace osfleet

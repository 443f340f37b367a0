// ADO.NET connection-string text, as server.hsconf's advanced-settings elements hold it
// (RuntimeAdvancedSettings, ServicesAdvancedSettings, SessionAdvancedSettings): the
// platform appends it to every connection string it builds, so an address keyword there
// (Server=, Data Source=, ...) overrides the section's <Server>, and Failover Partner=
// names a second server. Pure: no I/O, no gRPC.
//
// Parsing follows DbConnectionStringBuilder: `key=value` pairs separated by ';', keys
// case-insensitive and trimmed, "==" in a key is a literal '=', values quoted with '"' or
// '\'' (the quote doubled inside stands for one), unquoted values trimmed, empty pairs
// ignored, the last occurrence of a key wins.
//
// Secrets: the values of Password/Pwd are parsed (to find where the next pair starts) but
// never leave this file: address keywords never carry one, and errors never quote a value.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet {

struct ConnectionPair {
  std::string key;    // as written, trimmed, "==" read as '='
  std::string value;  // unquoted, doubled quotes read as one
  size_t key_begin = 0;
  // The value's bytes in the text: inside the quotes when quoted.
  size_t value_begin = 0;
  size_t value_end = 0;
  char quote = 0;  // '"', '\'' or 0 (unquoted)
};

// The pairs in the order written (duplicates kept: see LastPair). INVALID_ARGUMENT, with
// the 1-based column in `text`, for an unterminated quote, text after a closing quote, a
// pair without '=', or an empty key.
absl::StatusOr<std::vector<ConnectionPair>> ParseConnectionString(absl::string_view text);

// Keys compare as ADO.NET compares them: case-insensitively.
bool SameKey(absl::string_view a, absl::string_view b);

// The pair that takes effect for `key` (the last one), or nullptr.
const ConnectionPair* LastPair(const std::vector<ConnectionPair>& pairs, absl::string_view key);

// Password / Pwd: values that are never shown.
bool IsSecretKey(absl::string_view key);

// One place a connection string names a server.
struct AddressKeyword {
  std::string keyword;  // the key as written, e.g. "Data Source"
  bool failover_partner = false;
  // A later synonym (Server, Data Source, Addr, Address, Network Address) or a later
  // Failover Partner overrides this one: it has no effect, but it is still in the file.
  bool overridden = false;
  std::string value;  // the whole value (never a secret's)
  std::string host;   // the host it names; empty when none (e.g. an Oracle TNS alias)
  // The host's bytes in the text (for a rewrite that changes only them); empty range
  // when host is empty.
  size_t host_begin = 0;
  size_t host_end = 0;
  size_t host_in_value = 0;  // where host starts in value
};

enum class ConnectionDialect { kSqlServer, kOracle };

// The address keywords of the pairs: Server, Data Source, Addr, Address, Network Address
// and Failover Partner. SQL Server values are read as [tcp:|np:|lpc:|admin:]host[\inst][,port]
// (np:\\host\pipe\...); Oracle's Data Source as EZConnect [//]host[:port][/service] or a
// descriptor (each (HOST=...) is one keyword), or a bare name (read as a host: ODP.NET
// tries it as a TNS alias first, so a rewrite touches it only when it is the old host).
std::vector<AddressKeyword> FindAddressKeywords(absl::string_view text,
                                                const std::vector<ConnectionPair>& pairs,
                                                ConnectionDialect dialect);

// Whether two host names name the same host, as far as the text tells without DNS: equal
// ignoring case, a trailing dot and IPv6 brackets, or one is a single-label name equal to
// the other's first label ("SQLPROD01" and "sqlprod01.corp.example.com").
bool SameHost(absl::string_view a, absl::string_view b);

}  // namespace osfleet

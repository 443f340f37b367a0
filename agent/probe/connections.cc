#include "agent/probe/connections.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/probe/dns.h"
#include "agent/probe/socket_util.h"
#include "agent/probe/sql_browser.h"
#include "common/io/os_status.h"
#include "common/platform/ip_address.h"

namespace osfleet::agent {
namespace {

constexpr uint32_t kDefaultSqlServerPort = 1433;

// What to look for: a host, and its port or the instance whose port the Browser knows.
struct Wanted {
  std::string host;
  std::string instance;  // ask the Browser when port is 0
  uint32_t port = 0;
};

absl::Status BadAddress(const std::string& address, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("address: '", address, "' ", why));
}

absl::StatusOr<Wanted> ParseWanted(DbProvider provider, const std::string& address) {
  if (provider == DbProvider::kSqlServer) {
    absl::StatusOr<SqlServerAddress> a = ParseSqlServerAddress(address);
    if (!a.ok()) {
      return BadAddress(address,
                        absl::StrCat("is not a SQL Server address: ", a.status().message()));
    }
    const uint32_t port = a->port != 0 || !a->instance.empty() ? a->port : kDefaultSqlServerPort;
    return Wanted{a->host, a->instance, port};
  }
  if (absl::StartsWith(address, "tns:")) {
    return BadAddress(address,
                      "is a TNS alias, resolved by tnsnames.ora and not by the agent; "
                      "give the host:port/service it names instead");
  }
  absl::StatusOr<OracleAddress> a = ParseOracleAddress(address);
  if (!a.ok()) {
    return BadAddress(address, absl::StrCat("is not an Oracle address: ", a.status().message()));
  }
  return Wanted{a->host, "", a->port};
}

// The step's timeout, cut to what is left before the call's deadline.
absl::Duration StepTimeout(const ProbeOptions& options) {
  if (options.deadline == absl::InfiniteFuture()) return options.timeout;
  return std::clamp(options.deadline - absl::Now(), absl::ZeroDuration(), options.timeout);
}

// Whether the client gave up or the call's time ran out before the next step.
absl::Status Stopped(const ProbeOptions& options) {
  absl::Status s = options.cancel.Check();
  if (s.ok() && absl::Now() >= options.deadline) {
    s = absl::DeadlineExceededError("the call's time limit passed");
  }
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("stopped: ", s.message()));
}

// A step (DNS, the Browser) that ran out of its own time failed for want of an answer:
// UNAVAILABLE, so that the client does not take it for the call's own deadline.
absl::Status StepFailure(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kDeadlineExceeded ||
      absl::StartsWith(status.message(), "stopped: ")) {
    return status;
  }
  return absl::UnavailableError(status.message());
}

// The canonical text of an IP, an IPv4-mapped IPv6 address as the IPv4 one (as the platform
// layer writes a connection's addresses).
std::string Canonical(const std::string& ip) {
  std::optional<platform::IpAddress> a = platform::ParseIpAddress(ip);
  if (!a) return ip;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a->v6 && std::equal(kMapped, kMapped + 12, a->bytes.begin())) {
    platform::IpAddress v4;
    std::copy(a->bytes.begin() + 12, a->bytes.end(), v4.bytes.begin());
    return platform::FormatIpAddress(v4);
  }
  return platform::FormatIpAddress(*a);
}

ConnectionsFound Match(const std::vector<SocketAddress>& addresses, uint32_t port,
                       const std::vector<platform::TcpConnectionInfo>& table) {
  ConnectionsFound found;
  std::set<std::string> ips;
  for (const SocketAddress& a : addresses) {
    const std::string ip = Canonical(a.ip);
    if (ips.insert(ip).second) found.endpoints.push_back(FormatEndpoint(ip, port));
  }
  for (const platform::TcpConnectionInfo& c : table) {
    if (c.remote_port != port || ips.count(c.remote_ip) == 0) continue;
    found.connections.push_back({c.pid, c.process, FormatEndpoint(c.local_ip, c.local_port),
                                 FormatEndpoint(c.remote_ip, c.remote_port)});
  }
  std::sort(found.connections.begin(), found.connections.end(),
            [](const ConnectionRow& a, const ConnectionRow& b) {
              return std::tie(a.pid, a.local, a.remote) < std::tie(b.pid, b.local, b.remote);
            });
  return found;
}

}  // namespace

absl::StatusOr<ConnectionsFound> FindConnections(DbProvider provider, const std::string& address,
                                                 const ProbeOptions& options,
                                                 const ConnectionLister& list) {
  absl::StatusOr<Wanted> wanted = ParseWanted(provider, address);
  if (!wanted.ok()) return wanted.status();
  if (absl::Status s = Stopped(options); !s.ok()) return s;
  absl::StatusOr<std::vector<SocketAddress>> addresses =
      ResolveWithin(wanted->host, StepTimeout(options), options);
  if (!addresses.ok()) return StepFailure(addresses.status());
  uint32_t port = wanted->port;
  if (port == 0) {
    if (absl::Status s = Stopped(options); !s.ok()) return s;
    absl::StatusOr<uint16_t> browser = sqlbrowser::QueryInstancePort(
        addresses->front(), options.sql_browser_port, wanted->instance, StepTimeout(options));
    if (!browser.ok()) return StepFailure(browser.status());
    port = *browser;
  }
  if (absl::Status s = Stopped(options); !s.ok()) return s;
  platform::Result<std::vector<platform::TcpConnectionInfo>> table = list();
  if (!table.ok()) return ToStatus(table.error());
  return Match(*addresses, port, *table);
}

}  // namespace osfleet::agent

#include "agent/probe/sql_browser.h"

#include <algorithm>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace osfleet::agent::sqlbrowser {
namespace {

constexpr size_t kResponseHeaderSize = 3;  // SVR_RESP byte + 2-byte little-endian size
// After a Browser answered without our instance, wait this much for a late direct answer.
constexpr absl::Duration kGraceAfterListing = absl::Milliseconds(250);

absl::Status Malformed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("a malformed SQL Server Browser answer: ", what));
}

absl::Status ApplyField(BrowserInstance& instance, absl::string_view key, absl::string_view value) {
  if (absl::EqualsIgnoreCase(key, "ServerName")) instance.server_name = std::string(value);
  if (absl::EqualsIgnoreCase(key, "InstanceName")) instance.instance_name = std::string(value);
  if (absl::EqualsIgnoreCase(key, "Version")) instance.version = std::string(value);
  if (!absl::EqualsIgnoreCase(key, "tcp")) return absl::OkStatus();
  uint32_t port = 0;
  if (!absl::SimpleAtoi(value, &port) || port == 0 || port > 65535) {
    return Malformed(absl::StrCat("tcp port '", value, "' is not a port number"));
  }
  instance.tcp_port = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

// One record: "key;value;key;value;..." (the ";;" that ends it already removed).
absl::StatusOr<BrowserInstance> ParseRecord(absl::string_view record) {
  const std::vector<absl::string_view> tokens = absl::StrSplit(record, ';');
  if (tokens.size() % 2 != 0) {
    return Malformed(absl::StrCat("'", record, "' has a key without a value"));
  }
  BrowserInstance instance;
  for (size_t i = 0; i < tokens.size(); i += 2) {
    if (absl::Status s = ApplyField(instance, tokens[i], tokens[i + 1]); !s.ok()) return s;
  }
  if (instance.instance_name.empty()) {
    return Malformed(absl::StrCat("'", record, "' names no InstanceName"));
  }
  return instance;
}

std::string KnownNames(const std::vector<BrowserInstance>& instances) {
  if (instances.empty()) return "it lists no instance";
  std::vector<std::string> names;
  for (const BrowserInstance& i : instances) names.push_back(i.instance_name);
  return absl::StrCat("it knows ", absl::StrJoin(names, ", "));
}

absl::Status BrowserTimeout(absl::string_view endpoint, uint16_t port, absl::Duration timeout) {
  return absl::DeadlineExceededError(absl::StrCat(
      "SQL Server Browser on ", endpoint, " did not answer within ", FormatTimeout(timeout),
      " (UDP; is the SQL Server Browser service running and UDP ", port, " open?)"));
}

absl::StatusOr<platform::Socket> OpenAndSend(const SocketAddress& target,
                                             absl::string_view instance,
                                             absl::string_view endpoint) {
  platform::Result<platform::Socket> socket = platform::ConnectUdp(target);
  if (!socket.ok()) {
    return absl::UnavailableError(
        absl::StrCat("SQL Server Browser on ", endpoint,
                     ": cannot send a UDP query: ", socket.error().Reason()));
  }
  // Ask for the instance and for the whole list: a Browser ignores a query for an instance
  // it does not know, but its list shows it is alive and what the name should be.
  for (const std::string& query : {BuildInstanceQuery(instance), BuildListQuery()}) {
    if (platform::Result<void> sent = socket->SendDatagram(query); !sent.ok()) {
      return absl::UnavailableError(
          absl::StrCat("SQL Server Browser on ", endpoint,
                       ": sending the UDP query failed: ", sent.error().Reason()));
    }
  }
  return *std::move(socket);
}

// Receives one datagram; nullopt when none came before the deadline.
absl::StatusOr<std::optional<std::string>> ReceiveOne(platform::Socket& socket, absl::Time deadline,
                                                      absl::string_view endpoint) {
  platform::Result<std::optional<std::string>> datagram =
      socket.ReceiveDatagram(SteadyDeadline(deadline));
  if (datagram.ok()) return *std::move(datagram);
  if (datagram.error().code == std::errc::connection_refused) {
    return absl::UnavailableError(absl::StrCat(
        "SQL Server Browser on ", endpoint,
        " refused the query (ICMP port unreachable: the SQL Server Browser service is not "
        "running there)"));
  }
  return absl::UnavailableError(absl::StrCat("SQL Server Browser on ", endpoint,
                                             ": receiving failed: ", datagram.error().Reason()));
}

}  // namespace

std::string BuildInstanceQuery(absl::string_view instance) {
  std::string query(1, static_cast<char>(kClientUnicastInst));
  query.append(instance.data(), std::min(instance.size(), kMaxInstanceQueryName));
  query.push_back('\0');
  return query;
}

std::string BuildListQuery() { return std::string(1, static_cast<char>(kClientUnicastEx)); }

absl::StatusOr<std::vector<BrowserInstance>> ParseBrowserResponse(absl::string_view datagram) {
  if (datagram.empty()) return Malformed("an empty datagram");
  if (static_cast<uint8_t>(datagram[0]) != kServerResponse) {
    return Malformed(absl::StrFormat("first byte 0x%02X, not SVR_RESP (0x05)",
                                     static_cast<uint8_t>(datagram[0])));
  }
  if (datagram.size() < kResponseHeaderSize) return Malformed("the size field is cut off");
  const size_t declared = static_cast<uint8_t>(datagram[1]) |
                          (static_cast<size_t>(static_cast<uint8_t>(datagram[2])) << 8);
  const absl::string_view data = datagram.substr(kResponseHeaderSize);
  if (data.size() != declared) {
    return Malformed(
        absl::StrCat("it declares ", declared, " bytes of data but carries ", data.size()));
  }
  std::vector<BrowserInstance> instances;
  for (absl::string_view record : absl::StrSplit(data, ";;", absl::SkipEmpty())) {
    absl::StatusOr<BrowserInstance> instance = ParseRecord(record);
    if (!instance.ok()) return instance.status();
    instances.push_back(*std::move(instance));
  }
  return instances;
}

std::string BuildBrowserResponse(const std::vector<BrowserInstance>& instances) {
  std::string data;
  for (const BrowserInstance& i : instances) {
    absl::StrAppend(&data, "ServerName;", i.server_name, ";InstanceName;", i.instance_name,
                    ";IsClustered;No;Version;", i.version, ";");
    if (i.tcp_port) {
      absl::StrAppend(&data, "tcp;", *i.tcp_port, ";;");
    } else {
      absl::StrAppend(&data, "np;\\\\", i.server_name, "\\pipe\\MSSQL$", i.instance_name,
                      "\\sql\\query;;");
    }
  }
  std::string out(1, static_cast<char>(kServerResponse));
  out.push_back(static_cast<char>(data.size() & 0xFF));
  out.push_back(static_cast<char>((data.size() >> 8) & 0xFF));
  return out + data;
}

absl::StatusOr<BrowserInstance> FindInstance(const std::vector<BrowserInstance>& instances,
                                             absl::string_view instance,
                                             absl::string_view endpoint) {
  for (const BrowserInstance& i : instances) {
    if (absl::EqualsIgnoreCase(i.instance_name, instance)) return i;
  }
  return absl::NotFoundError(absl::StrCat("instance ", instance,
                                          " not known to the SQL Server Browser on ", endpoint,
                                          " (", KnownNames(instances), ")"));
}

absl::StatusOr<uint16_t> FindTcpPort(const std::vector<BrowserInstance>& instances,
                                     absl::string_view instance, absl::string_view endpoint) {
  absl::StatusOr<BrowserInstance> found = FindInstance(instances, instance, endpoint);
  if (!found.ok()) return found.status();
  if (found->tcp_port) return *found->tcp_port;
  return absl::FailedPreconditionError(
      absl::StrCat("instance ", instance, " has no TCP port (TCP disabled?) according to the ",
                   "SQL Server Browser on ", endpoint));
}

absl::StatusOr<BrowserInstance> QueryInstance(const SocketAddress& server, uint16_t browser_port,
                                              absl::string_view instance, absl::Duration timeout) {
  const std::string endpoint = FormatEndpoint(server.ip, browser_port);
  absl::StatusOr<platform::Socket> socket =
      OpenAndSend(server.WithPort(browser_port), instance, endpoint);
  if (!socket.ok()) return socket.status();
  absl::Time deadline = absl::Now() + timeout;
  std::optional<absl::Status> not_known;
  for (;;) {
    absl::StatusOr<std::optional<std::string>> datagram = ReceiveOne(*socket, deadline, endpoint);
    if (!datagram.ok()) return datagram.status();
    if (!datagram->has_value()) break;  // the deadline passed
    absl::StatusOr<std::vector<BrowserInstance>> instances = ParseBrowserResponse(**datagram);
    if (!instances.ok()) {
      return absl::DataLossError(
          absl::StrCat("SQL Server Browser on ", endpoint, " sent ", instances.status().message()));
    }
    absl::StatusOr<BrowserInstance> found = FindInstance(*instances, instance, endpoint);
    if (!absl::IsNotFound(found.status())) return found;
    not_known = found.status();
    deadline = std::min(deadline, absl::Now() + kGraceAfterListing);
  }
  if (not_known) return *not_known;
  return BrowserTimeout(endpoint, browser_port, timeout);
}

absl::StatusOr<uint16_t> QueryInstancePort(const SocketAddress& server, uint16_t browser_port,
                                           absl::string_view instance, absl::Duration timeout) {
  absl::StatusOr<BrowserInstance> found = QueryInstance(server, browser_port, instance, timeout);
  if (!found.ok()) return found.status();
  return FindTcpPort({*found}, instance, FormatEndpoint(server.ip, browser_port));
}

}  // namespace osfleet::agent::sqlbrowser

#include "agent/probe/probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "agent/probe/socket_util.h"
#include "agent/probe/sql_browser.h"
#include "agent/probe/tds_prelogin.h"

namespace osfleet::agent {
namespace {

constexpr uint32_t kDefaultSqlServerPort = 1433;

ProbeOutcome Failed(ProbeOutcome outcome, ProbeStepId step, absl::string_view error) {
  outcome.ok = false;
  outcome.failed_step = step;
  outcome.error = std::string(error);
  return outcome;
}

// ---- DNS -------------------------------------------------------------------------------

// Shared with the resolver thread, which may outlive a timed-out probe.
struct DnsResult {
  absl::Notification done;
  int rc = 0;
  int system_errno = 0;
  std::vector<SocketAddress> addresses;
};

void RunGetaddrinfo(const std::string& host, const std::shared_ptr<DnsResult>& result) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  result->rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  result->system_errno = errno;
  for (const addrinfo* a = result->rc == 0 ? list : nullptr; a != nullptr; a = a->ai_next) {
    SocketAddress address;
    std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
    address.length = a->ai_addrlen;
    address.ip = NumericHost(a->ai_addr, a->ai_addrlen);
    bool seen = false;
    for (const SocketAddress& s : result->addresses) seen = seen || s.ip == address.ip;
    if (!seen && !address.ip.empty()) result->addresses.push_back(std::move(address));
  }
  if (list != nullptr) freeaddrinfo(list);
  result->done.Notify();
}

std::string DnsError(const std::string& host, const DnsResult& result) {
  switch (result.rc) {
    case EAI_NONAME:
      return absl::StrCat("DNS: no such host '", host, "'");
#ifdef EAI_NODATA
    case EAI_NODATA:
      return absl::StrCat("DNS: '", host, "' exists but has no addresses");
#endif
    case EAI_AGAIN:
      return absl::StrCat("DNS: temporary failure resolving '", host,
                          "' (no DNS server gave an answer; check this server's DNS settings)");
    case EAI_SYSTEM:
      return absl::StrCat("DNS: resolving '", host, "' failed: ", strerror(result.system_errno));
    default:
      return absl::StrCat("DNS: resolving '", host, "' failed: ", gai_strerror(result.rc));
  }
}

// IP literals "resolve" to themselves; names go to getaddrinfo on a thread of their own,
// because getaddrinfo has no timeout.
absl::StatusOr<std::vector<SocketAddress>> Resolve(const std::string& host,
                                                   absl::Duration timeout) {
  // SQL Server's shorthands for the local machine.
  const std::string name =
      (host == "." || absl::EqualsIgnoreCase(host, "(local)")) ? "localhost" : host;
  if (std::optional<SocketAddress> literal = ParseIpLiteral(name)) {
    return std::vector<SocketAddress>{*std::move(literal)};
  }
  auto result = std::make_shared<DnsResult>();
  std::thread(RunGetaddrinfo, name, result).detach();
  if (!result->done.WaitForNotificationWithTimeout(timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("DNS: resolving '", host, "' did not finish within ", FormatTimeout(timeout)));
  }
  if (result->rc != 0) return absl::UnavailableError(DnsError(host, *result));
  if (result->addresses.empty()) {
    return absl::UnavailableError(absl::StrCat("DNS: '", host, "' has no addresses"));
  }
  return std::move(result->addresses);
}

// ---- TCP connect -----------------------------------------------------------------------

struct Connection {
  UniqueFd fd;
  std::string endpoint;
  absl::Duration latency;
};

// Why connecting failed, as it reads after "TCP connect to HOST:PORT ".
std::string ConnectFailure(int error) {
  if (error == ECONNREFUSED) return "refused";
  return absl::StrCat("failed: ", strerror(error));
}

// Connects within `deadline`; the error text completes "TCP connect to ENDPOINT ...".
absl::StatusOr<UniqueFd> ConnectOne(const SocketAddress& address, absl::Time deadline,
                                    absl::Duration timeout) {
  UniqueFd fd(socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::UnavailableError(ConnectFailure(errno));
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) == 0) {
    return fd;
  }
  if (errno != EINPROGRESS) return absl::UnavailableError(ConnectFailure(errno));
  const WaitResult wait = WaitFor(fd.get(), POLLOUT, deadline);
  if (wait == WaitResult::kTimedOut) {
    return absl::DeadlineExceededError(absl::StrCat("timed out after ", FormatTimeout(timeout)));
  }
  if (wait == WaitResult::kError) return absl::UnavailableError(ConnectFailure(errno));
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) return absl::UnavailableError(ConnectFailure(error));
  return fd;
}

// Tries each address in order until one connects, all within one step timeout.
absl::StatusOr<Connection> ConnectAny(const std::vector<SocketAddress>& addresses, uint32_t port,
                                      absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::string> earlier;
  std::string last;
  for (const SocketAddress& address : addresses) {
    const std::string endpoint = FormatEndpoint(address.ip, port);
    if (!last.empty()) earlier.push_back(last);
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<UniqueFd> fd = ConnectOne(WithPort(address, port), deadline, timeout);
    if (fd.ok()) {
      return Connection{*std::move(fd), endpoint,
                        absl::FromChrono(std::chrono::steady_clock::now() - start)};
    }
    last = absl::StrCat(endpoint, " ", fd.status().message());
  }
  std::string error = absl::StrCat("TCP connect to ", last);
  if (!earlier.empty()) absl::StrAppend(&error, " (also tried ", absl::StrJoin(earlier, "; "), ")");
  return absl::UnavailableError(error);
}

// ---- TDS PRELOGIN ----------------------------------------------------------------------

absl::Status SendAll(int fd, absl::string_view bytes, absl::Time deadline,
                     const std::string& endpoint) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("TDS PRELOGIN: sending to ", endpoint, " failed: ", strerror(errno)));
    }
    if (WaitFor(fd, POLLOUT, deadline) == WaitResult::kTimedOut) {
      return absl::DeadlineExceededError(
          absl::StrCat("TDS PRELOGIN: the server at ", endpoint, " does not take our request"));
    }
  }
  return absl::OkStatus();
}

std::string Progress(size_t got, size_t expected) {
  if (expected == 0) return absl::StrCat("got ", got, " bytes");
  return absl::StrCat("got ", got, " of ", expected, " bytes");
}

absl::Status ReadStalled(const std::string& endpoint, size_t got, size_t expected,
                         absl::Duration timeout) {
  if (got == 0) {
    return absl::DeadlineExceededError(absl::StrCat(
        "TDS PRELOGIN: the server at ", endpoint, " accepted the connection but did not answer ",
        "within ", FormatTimeout(timeout), " (not a SQL Server, or one too busy to answer)"));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("TDS PRELOGIN: the server at ", endpoint, " did not finish its answer within ",
                   FormatTimeout(timeout), " (", Progress(got, expected), ")"));
}

absl::Status ReadFailed(const std::string& endpoint, ssize_t n, size_t got, size_t expected) {
  if (n < 0) {
    return absl::UnavailableError(absl::StrCat("TDS PRELOGIN: reading from the server at ",
                                               endpoint, " failed: ", strerror(errno)));
  }
  if (got == 0) {
    return absl::UnavailableError(absl::StrCat("TDS PRELOGIN: the server at ", endpoint,
                                               " closed the connection without answering "
                                               "(not a SQL Server?)"));
  }
  return absl::UnavailableError(absl::StrCat("TDS PRELOGIN: the server at ", endpoint,
                                             " closed the connection in the middle of its "
                                             "answer (",
                                             Progress(got, expected), ")"));
}

absl::Status NotPrelogin(const std::string& endpoint, const absl::Status& parse_error) {
  return absl::DataLossError(absl::StrCat("TDS PRELOGIN: the server at ", endpoint,
                                          " answered with ", parse_error.message()));
}

// Reads one TDS packet, failing as soon as the bytes cannot be one.
absl::StatusOr<std::string> ReadPacket(int fd, absl::Time deadline, const std::string& endpoint,
                                       absl::Duration timeout) {
  std::string received;
  size_t expected = 0;
  char buffer[tds::kMaxPreloginPacket];
  while (expected == 0 || received.size() < expected) {
    if (WaitFor(fd, POLLIN, deadline) == WaitResult::kTimedOut) {
      return ReadStalled(endpoint, received.size(), expected, timeout);
    }
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (n <= 0) return ReadFailed(endpoint, n, received.size(), expected);
    received.append(buffer, static_cast<size_t>(n));
    absl::StatusOr<size_t> size = tds::ExpectedResponseSize(received);
    if (!size.ok()) return NotPrelogin(endpoint, size.status());
    expected = *size;
  }
  received.resize(expected);  // nothing may follow before we speak again; ignore it
  return received;
}

absl::StatusOr<std::string> ExchangePrelogin(int fd, const std::string& endpoint,
                                             absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (absl::Status s = SendAll(fd, tds::BuildPreloginPacket(), deadline, endpoint); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> packet = ReadPacket(fd, deadline, endpoint, timeout);
  if (!packet.ok()) return packet.status();
  absl::StatusOr<std::string> version = tds::ParsePreloginResponse(*packet);
  if (!version.ok()) return NotPrelogin(endpoint, version.status());
  return version;
}

// ---- Steps shared by both probes -------------------------------------------------------

// DNS, recorded in `outcome`; nullopt after recording the failure.
std::optional<std::vector<SocketAddress>> ResolveStep(const std::string& host,
                                                      const ProbeOptions& options,
                                                      ProbeOutcome& outcome) {
  if (host.empty()) {
    outcome = Failed(std::move(outcome), ProbeStepId::kParse, "the address has no host");
    return std::nullopt;
  }
  absl::StatusOr<std::vector<SocketAddress>> addresses = Resolve(host, options.timeout);
  if (!addresses.ok()) {
    outcome = Failed(std::move(outcome), ProbeStepId::kDns, addresses.status().message());
    return std::nullopt;
  }
  for (const SocketAddress& a : *addresses) outcome.resolved.push_back(a.ip);
  return *std::move(addresses);
}

}  // namespace

ProbeOutcome ProbeSqlServer(const SqlServerAddress& address, const ProbeOptions& options) {
  ProbeOutcome outcome;
  if (address.port > 65535) {
    return Failed(outcome, ProbeStepId::kParse,
                  absl::StrCat("port ", address.port, " is out of range"));
  }
  const bool ask_browser = !address.instance.empty() && address.port == 0;
  if (!ask_browser) outcome.port = address.port != 0 ? address.port : kDefaultSqlServerPort;
  std::optional<std::vector<SocketAddress>> addresses = ResolveStep(address.host, options, outcome);
  if (!addresses) return outcome;
  if (ask_browser) {
    absl::StatusOr<uint16_t> port = sqlbrowser::QueryInstancePort(
        addresses->front(), options.sql_browser_port, address.instance, options.timeout);
    if (!port.ok()) return Failed(outcome, ProbeStepId::kSqlBrowser, port.status().message());
    outcome.port = *port;
  }
  absl::StatusOr<Connection> connection = ConnectAny(*addresses, outcome.port, options.timeout);
  if (!connection.ok()) {
    return Failed(outcome, ProbeStepId::kTcpConnect, connection.status().message());
  }
  outcome.connect_latency = connection->latency;
  absl::StatusOr<std::string> version =
      ExchangePrelogin(connection->fd.get(), connection->endpoint, options.timeout);
  if (!version.ok()) return Failed(outcome, ProbeStepId::kTdsPrelogin, version.status().message());
  outcome.server_version = *version;
  outcome.ok = true;
  return outcome;
}

ProbeOutcome ProbeOracle(const OracleAddress& address, const ProbeOptions& options) {
  ProbeOutcome outcome;
  if (address.port > 65535) {
    return Failed(outcome, ProbeStepId::kParse,
                  absl::StrCat("port ", address.port, " is out of range"));
  }
  outcome.port = address.port != 0 ? address.port : kDefaultOraclePort;
  std::optional<std::vector<SocketAddress>> addresses = ResolveStep(address.host, options, outcome);
  if (!addresses) return outcome;
  absl::StatusOr<Connection> connection = ConnectAny(*addresses, outcome.port, options.timeout);
  if (!connection.ok()) {
    return Failed(outcome, ProbeStepId::kTcpConnect, connection.status().message());
  }
  outcome.connect_latency = connection->latency;
  outcome.ok = true;
  return outcome;
}

}  // namespace osfleet::agent

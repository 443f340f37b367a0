#include "agent/probe/probe.h"

#include <algorithm>
#include <chrono>
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
#include "agent/probe/dns.h"
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

// ---- TCP connect -----------------------------------------------------------------------

struct Connection {
  platform::Socket socket;
  std::string endpoint;
  absl::Duration latency;
};

// Why connecting failed, as it reads after "TCP connect to HOST:PORT ".
std::string ConnectFailure(const platform::Error& error) {
  if (error.code == std::errc::connection_refused) return "refused";
  return absl::StrCat("failed: ", error.Reason());
}

// Connects within `deadline`; the error text completes "TCP connect to ENDPOINT ...".
absl::StatusOr<platform::Socket> ConnectOne(const SocketAddress& address, absl::Time deadline,
                                            absl::Duration timeout) {
  platform::Result<platform::Socket> socket =
      platform::ConnectTcp(address, SteadyDeadline(deadline));
  if (socket.ok()) return *std::move(socket);
  if (socket.error().code == platform::Errc::kDeadlineExceeded) {
    return absl::DeadlineExceededError(absl::StrCat("timed out after ", FormatTimeout(timeout)));
  }
  return absl::UnavailableError(ConnectFailure(socket.error()));
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
    absl::StatusOr<platform::Socket> socket =
        ConnectOne(address.WithPort(static_cast<uint16_t>(port)), deadline, timeout);
    if (socket.ok()) {
      return Connection{*std::move(socket), endpoint,
                        absl::FromChrono(std::chrono::steady_clock::now() - start)};
    }
    last = absl::StrCat(endpoint, " ", socket.status().message());
  }
  std::string error = absl::StrCat("TCP connect to ", last);
  if (!earlier.empty()) absl::StrAppend(&error, " (also tried ", absl::StrJoin(earlier, "; "), ")");
  return absl::UnavailableError(error);
}

// ---- TDS PRELOGIN ----------------------------------------------------------------------

absl::Status SendAll(platform::Socket& socket, absl::string_view bytes, absl::Time deadline,
                     const std::string& endpoint) {
  const platform::Result<void> sent =
      socket.SendAll(std::string_view(bytes.data(), bytes.size()), SteadyDeadline(deadline));
  if (sent.ok()) return absl::OkStatus();
  if (sent.error().code == platform::Errc::kDeadlineExceeded) {
    return absl::DeadlineExceededError(
        absl::StrCat("TDS PRELOGIN: the server at ", endpoint, " does not take our request"));
  }
  return absl::UnavailableError(
      absl::StrCat("TDS PRELOGIN: sending to ", endpoint, " failed: ", sent.error().Reason()));
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

// The connection failed (error) or closed (none) after `got` bytes.
absl::Status ReadFailed(const std::string& endpoint, const platform::Error* error, size_t got,
                        size_t expected) {
  if (error != nullptr) {
    return absl::UnavailableError(absl::StrCat("TDS PRELOGIN: reading from the server at ",
                                               endpoint, " failed: ", error->Reason()));
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

// Waits for bytes until `deadline`, asking `cancel` every CancelToken::kPollStep: a
// server that accepts and never answers does not hold a probe its client gave up on.
platform::Result<size_t> ReceiveSome(platform::Socket& socket, char* buffer, size_t size,
                                     absl::Time deadline, const CancelToken& cancel) {
  for (;;) {
    const absl::Time slice = std::min(deadline, absl::Now() + CancelToken::kPollStep);
    platform::Result<size_t> n = socket.Receive(buffer, size, SteadyDeadline(slice));
    if (n.ok() || n.error().code != platform::Errc::kDeadlineExceeded) return n;
    if (absl::Now() >= deadline || cancel.Cancelled()) return n;
  }
}

// Reads one TDS packet, failing as soon as the bytes cannot be one.
absl::StatusOr<std::string> ReadPacket(platform::Socket& socket, absl::Time deadline,
                                       const std::string& endpoint, absl::Duration timeout,
                                       const CancelToken& cancel) {
  std::string received;
  size_t expected = 0;
  char buffer[tds::kMaxPreloginPacket];
  while (expected == 0 || received.size() < expected) {
    const platform::Result<size_t> n =
        ReceiveSome(socket, buffer, sizeof(buffer), deadline, cancel);
    if (!n.ok() && n.error().code == platform::Errc::kDeadlineExceeded) {
      if (absl::Status s = cancel.Check(); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("stopped: ", s.message()));
      }
      return ReadStalled(endpoint, received.size(), expected, timeout);
    }
    if (!n.ok()) return ReadFailed(endpoint, &n.error(), received.size(), expected);
    if (*n == 0) return ReadFailed(endpoint, nullptr, received.size(), expected);
    received.append(buffer, *n);
    absl::StatusOr<size_t> size = tds::ExpectedResponseSize(received);
    if (!size.ok()) return NotPrelogin(endpoint, size.status());
    expected = *size;
  }
  received.resize(expected);  // nothing may follow before we speak again; ignore it
  return received;
}

absl::StatusOr<std::string> ExchangePrelogin(platform::Socket& socket, const std::string& endpoint,
                                             absl::Duration timeout, const CancelToken& cancel) {
  const absl::Time deadline = absl::Now() + timeout;
  if (absl::Status s = SendAll(socket, tds::BuildPreloginPacket(), deadline, endpoint); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> packet = ReadPacket(socket, deadline, endpoint, timeout, cancel);
  if (!packet.ok()) return packet.status();
  absl::StatusOr<std::string> version = tds::ParsePreloginResponse(*packet);
  if (!version.ok()) return NotPrelogin(endpoint, version.status());
  return version;
}

// ---- Steps shared by both probes -------------------------------------------------------

// The step's timeout, cut to what is left before the whole call's deadline.
absl::Duration StepTimeout(const ProbeOptions& options) {
  if (options.deadline == absl::InfiniteFuture()) return options.timeout;
  return std::clamp(options.deadline - absl::Now(), absl::ZeroDuration(), options.timeout);
}

// Whether the client gave up, or the call's deadline passed, before `step`; records it as
// that step's failure.
bool Stopped(const ProbeOptions& options, ProbeStepId step, ProbeOutcome& outcome) {
  absl::Status s = options.cancel.Check();
  if (s.ok() && absl::Now() >= options.deadline) {
    s = absl::DeadlineExceededError("the call's time limit passed");
  }
  if (s.ok()) return false;
  outcome = Failed(std::move(outcome), step, absl::StrCat("stopped: ", s.message()));
  return true;
}

// DNS, recorded in `outcome`; nullopt after recording the failure.
std::optional<std::vector<SocketAddress>> ResolveStep(const std::string& host,
                                                      const ProbeOptions& options,
                                                      ProbeOutcome& outcome) {
  if (host.empty()) {
    outcome = Failed(std::move(outcome), ProbeStepId::kParse, "the address has no host");
    return std::nullopt;
  }
  if (Stopped(options, ProbeStepId::kDns, outcome)) return std::nullopt;
  absl::StatusOr<std::vector<SocketAddress>> addresses =
      ResolveWithin(host, StepTimeout(options), options);
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
  if (ask_browser && Stopped(options, ProbeStepId::kSqlBrowser, outcome)) return outcome;
  if (ask_browser) {
    absl::StatusOr<uint16_t> port = sqlbrowser::QueryInstancePort(
        addresses->front(), options.sql_browser_port, address.instance, StepTimeout(options));
    if (!port.ok()) return Failed(outcome, ProbeStepId::kSqlBrowser, port.status().message());
    outcome.port = *port;
  }
  if (Stopped(options, ProbeStepId::kTcpConnect, outcome)) return outcome;
  absl::StatusOr<Connection> connection =
      ConnectAny(*addresses, outcome.port, StepTimeout(options));
  if (!connection.ok()) {
    return Failed(outcome, ProbeStepId::kTcpConnect, connection.status().message());
  }
  outcome.connect_latency = connection->latency;
  if (Stopped(options, ProbeStepId::kTdsPrelogin, outcome)) return outcome;
  absl::StatusOr<std::string> version = ExchangePrelogin(connection->socket, connection->endpoint,
                                                         StepTimeout(options), options.cancel);
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
  if (Stopped(options, ProbeStepId::kTcpConnect, outcome)) return outcome;
  absl::StatusOr<Connection> connection =
      ConnectAny(*addresses, outcome.port, StepTimeout(options));
  if (!connection.ok()) {
    return Failed(outcome, ProbeStepId::kTcpConnect, connection.status().message());
  }
  outcome.connect_latency = connection->latency;
  outcome.ok = true;
  return outcome;
}

}  // namespace osfleet::agent

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
#include "agent/probe/socket_util.h"
#include "agent/probe/sql_browser.h"
#include "agent/probe/tds_exchange.h"
#include "agent/probe/tds_prelogin.h"

namespace osfleet::agent {
namespace {

constexpr uint32_t kDefaultSqlServerPort = 1433;
constexpr absl::Duration kBrowserEvidenceWait = absl::Seconds(1);

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
  std::optional<platform::Result<std::vector<SocketAddress>>> addresses;
};

void RunResolver(const std::string& host, const std::shared_ptr<DnsResult>& result,
                 const std::shared_ptr<DnsBudget>& budget) {
  result->addresses.emplace(platform::ResolveHost(host));
  result->done.Notify();
  if (budget != nullptr) budget->in_flight.fetch_sub(1);
}

// A place in the budget for one lookup thread; false when every place is taken.
bool TakeLookup(const std::shared_ptr<DnsBudget>& budget) {
  if (budget == nullptr) return true;
  if (budget->in_flight.fetch_add(1) < budget->max) return true;
  budget->in_flight.fetch_sub(1);
  return false;
}

std::string DnsError(const std::string& host, const platform::Error& error) {
  if (error.code == platform::Errc::kNoSuchHost) {
    return absl::StrCat("DNS: no such host '", host, "'");
  }
  if (error.code == platform::Errc::kNoAddresses) {
    return absl::StrCat("DNS: '", host, "' exists but has no addresses");
  }
  if (error.code == platform::Errc::kTryAgain) {
    return absl::StrCat("DNS: temporary failure resolving '", host,
                        "' (no DNS server gave an answer; check this server's DNS settings)");
  }
  return absl::StrCat("DNS: resolving '", host, "' failed: ", error.Reason());
}

// IP literals "resolve" to themselves; names go to getaddrinfo on a thread of their own,
// because getaddrinfo has no timeout.
absl::StatusOr<std::vector<SocketAddress>> Resolve(const std::string& host, absl::Duration timeout,
                                                   const ProbeOptions& options) {
  // SQL Server's shorthands for the local machine.
  const std::string name =
      (host == "." || absl::EqualsIgnoreCase(host, "(local)")) ? "localhost" : host;
  if (std::optional<SocketAddress> literal = platform::ParseNumericAddress(name)) {
    return std::vector<SocketAddress>{*std::move(literal)};
  }
  if (!TakeLookup(options.dns)) {
    return absl::UnavailableError(absl::StrCat(
        "DNS: ", options.dns->max, " name lookups are already in progress on this agent (earlier ",
        "ones have not finished; is the DNS server answering?); try again shortly"));
  }
  auto result = std::make_shared<DnsResult>();
  std::thread(RunResolver, name, result, options.dns).detach();
  const absl::Time end = absl::Now() + timeout;
  while (!result->done.WaitForNotificationWithTimeout(
      std::min(CancelToken::kPollStep, end - absl::Now()))) {
    if (absl::Status s = options.cancel.Check(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("stopped: ", s.message()));
    }
    if (absl::Now() < end) continue;
    return absl::DeadlineExceededError(
        absl::StrCat("DNS: resolving '", host, "' did not finish within ", FormatTimeout(timeout)));
  }
  platform::Result<std::vector<SocketAddress>>& addresses = *result->addresses;
  if (!addresses.ok()) return absl::UnavailableError(DnsError(host, addresses.error()));
  if (addresses->empty()) {
    return absl::UnavailableError(absl::StrCat("DNS: '", host, "' has no addresses"));
  }
  return std::move(*addresses);
}

// ---- TCP connect -----------------------------------------------------------------------

struct Connection {
  platform::Socket socket;
  std::string endpoint;
  absl::Duration latency;
  SocketAddress address;  // the one that connected
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
                        absl::FromChrono(std::chrono::steady_clock::now() - start), address};
    }
    last = absl::StrCat(endpoint, " ", socket.status().message());
  }
  std::string error = absl::StrCat("TCP connect to ", last);
  if (!earlier.empty()) absl::StrAppend(&error, " (also tried ", absl::StrJoin(earlier, "; "), ")");
  return absl::UnavailableError(error);
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
      Resolve(host, StepTimeout(options), options);
  if (!addresses.ok()) {
    outcome = Failed(std::move(outcome), ProbeStepId::kDns, addresses.status().message());
    return std::nullopt;
  }
  for (const SocketAddress& a : *addresses) outcome.resolved.push_back(a.ip);
  return *std::move(addresses);
}

// ---- SQL Server: TDS, TLS and the Browser -----------------------------------------------

// The instance's TCP port from the Browser, remembered for the identity evidence.
bool BrowserPortStep(const SqlServerAddress& address, const SocketAddress& server,
                     const ProbeOptions& options, ProbeOutcome& outcome,
                     std::optional<sqlbrowser::BrowserInstance>& browser) {
  if (Stopped(options, ProbeStepId::kSqlBrowser, outcome)) return false;
  absl::StatusOr<sqlbrowser::BrowserInstance> found = sqlbrowser::QueryInstance(
      server, options.sql_browser_port, address.instance, StepTimeout(options));
  absl::StatusOr<uint16_t> port =
      found.ok() ? sqlbrowser::FindTcpPort({*found}, address.instance,
                                           FormatEndpoint(server.ip, options.sql_browser_port))
                 : absl::StatusOr<uint16_t>(found.status());
  if (!port.ok()) {
    outcome = Failed(std::move(outcome), ProbeStepId::kSqlBrowser, port.status().message());
    return false;
  }
  outcome.port = *port;
  browser = *std::move(found);
  return true;
}

TdsLink MakeLink(Connection& connection, const ProbeOptions& options) {
  const absl::Duration timeout = StepTimeout(options);
  TdsLink link;
  link.socket = &connection.socket;
  link.endpoint = connection.endpoint;
  link.deadline = absl::Now() + timeout;
  link.timeout = timeout;
  link.cancel = options.cancel;
  return link;
}

TdsEncryption EncryptionOf(std::optional<uint8_t> byte) {
  if (!byte) return TdsEncryption::kUnknown;
  switch (*byte) {
    case tds::kEncryptOff:
      return TdsEncryption::kOff;
    case tds::kEncryptOn:
      return TdsEncryption::kOn;
    case tds::kEncryptNotSupported:
      return TdsEncryption::kNotSupported;
    case tds::kEncryptRequired:
      return TdsEncryption::kRequired;
    default:
      return TdsEncryption::kUnknown;
  }
}

// The version and encryption for every probe; what INSTOPT said with identity.
void RecordAnswer(const tds::PreloginAnswer& answer, const ProbeOptions& options,
                  ProbeOutcome& outcome) {
  outcome.server_version = answer.version;
  outcome.fingerprint.encryption = EncryptionOf(answer.encryption);
  if (!options.identity) return;
  outcome.fingerprint.instance_sent = options.instance_name;
  if (answer.instance) outcome.fingerprint.instance_accepted = *answer.instance == 0;
}

// The certificate from TLS inside PRELOGIN, or why there is none. Never fails the probe:
// the server already answered.
void CertificateStep(TdsLink& link, const ProbeOptions& options, ProbeOutcome& outcome) {
  Fingerprint& fingerprint = outcome.fingerprint;
  if (fingerprint.instance_accepted == false) {
    fingerprint.certificate_note = absl::StrCat(
        "the server is not instance '", options.instance_name,
        "' (its INSTOPT answer was 0x01); a client stops there, so no TLS handshake was made");
    return;
  }
  if (fingerprint.encryption == TdsEncryption::kNotSupported) {
    fingerprint.certificate_note =
        "the server does not support encryption (no certificate to compare)";
    return;
  }
  const absl::Duration timeout = StepTimeout(options);
  link.deadline = absl::Now() + timeout;
  link.timeout = timeout;
  absl::StatusOr<TlsCertificate> certificate = HandshakeInPrelogin(link);
  if (certificate.ok()) {
    fingerprint.certificate = *std::move(certificate);
  } else {
    fingerprint.certificate_note =
        absl::StrCat("TLS handshake inside PRELOGIN failed: ", certificate.status().message());
  }
}

// The name to send as TLS SNI: the host when it is a name, none for an IP address.
std::string SniFor(const std::string& host) {
  if (host == "." || absl::EqualsIgnoreCase(host, "(local)")) return "localhost";
  if (platform::ParseNumericAddress(host)) return "";
  return host;
}

// TDS 8.0 after the plain PRELOGIN got no TDS answer: a new connection, TLS first.
bool StrictStep(const Connection& first, const std::string& host, const absl::Status& plain,
                const ProbeOptions& options, ProbeOutcome& outcome) {
  const absl::Duration timeout = StepTimeout(options);
  const absl::Time deadline = absl::Now() + timeout;
  const std::string tried =
      absl::StrCat(plain.message(), "; then TDS 8.0 (TLS first) on a new ", "connection: ");
  absl::StatusOr<platform::Socket> socket =
      ConnectOne(first.address.WithPort(static_cast<uint16_t>(outcome.port)), deadline, timeout);
  if (!socket.ok()) {
    outcome = Failed(
        std::move(outcome), ProbeStepId::kTdsPrelogin,
        absl::StrCat(tried, "TCP connect to ", first.endpoint, " ", socket.status().message()));
    return false;
  }
  TdsLink link{&*socket, first.endpoint, deadline, timeout, options.cancel, "", false};
  absl::StatusOr<StrictPrelogin> strict = ExchangeStrict(link, SniFor(host), options.instance_name);
  if (!strict.ok()) {
    outcome = Failed(std::move(outcome), ProbeStepId::kTdsPrelogin,
                     absl::StrCat(tried, strict.status().message()));
    return false;
  }
  RecordAnswer(strict->answer, options, outcome);
  outcome.fingerprint.encryption = TdsEncryption::kStrict;
  if (!options.identity) return true;
  if (strict->certificate) {
    outcome.fingerprint.certificate = *std::move(strict->certificate);
  } else {
    outcome.fingerprint.certificate_note = "the server presented no certificate in TLS";
  }
  return true;
}

// PRELOGIN (and TLS inside it with identity), or TDS 8.0 when the server wants TLS first.
bool TdsStep(Connection& connection, const std::string& host, const ProbeOptions& options,
             ProbeOutcome& outcome) {
  TdsLink link = MakeLink(connection, options);
  PlainPrelogin plain = ExchangePrelogin(link, options.instance_name);
  if (!plain.answer.ok() && plain.tds8_hint) {
    return StrictStep(connection, host, plain.answer.status(), options, outcome);
  }
  if (!plain.answer.ok()) {
    outcome =
        Failed(std::move(outcome), ProbeStepId::kTdsPrelogin, plain.answer.status().message());
    return false;
  }
  RecordAnswer(*plain.answer, options, outcome);
  if (options.identity) CertificateStep(link, options, outcome);
  return true;
}

// The Browser's word on the instance (weak evidence), reusing the port lookup's answer.
// Waits at most a second: a missing Browser must not make every identity probe slow.
void BrowserEvidence(const SqlServerAddress& address, const SocketAddress& server,
                     const std::optional<sqlbrowser::BrowserInstance>& known,
                     const ProbeOptions& options, ProbeOutcome& outcome) {
  Fingerprint& fingerprint = outcome.fingerprint;
  const std::string& instance = address.instance.empty() ? options.instance_name : address.instance;
  if (known) {
    fingerprint.browser = known;
    return;
  }
  if (instance.empty()) {
    fingerprint.browser_note = "no instance name to ask the SQL Server Browser about";
    return;
  }
  const absl::Duration timeout = std::min(StepTimeout(options), kBrowserEvidenceWait);
  absl::StatusOr<sqlbrowser::BrowserInstance> found =
      sqlbrowser::QueryInstance(server, options.sql_browser_port, instance, timeout);
  if (found.ok()) {
    fingerprint.browser = *std::move(found);
  } else {
    fingerprint.browser_note = std::string(found.status().message());
  }
}

}  // namespace

ProbeOutcome ProbeSqlServer(const SqlServerAddress& address, const ProbeOptions& options) {
  ProbeOutcome outcome;
  if (address.port > 65535) {
    return Failed(outcome, ProbeStepId::kParse,
                  absl::StrCat("port ", address.port, " is out of range"));
  }
  if (options.instance_name.size() > tds::kMaxInstanceOption) {
    return Failed(outcome, ProbeStepId::kParse,
                  absl::StrCat("the instance name to check is ", options.instance_name.size(),
                               " bytes long (at most ", tds::kMaxInstanceOption, ")"));
  }
  const bool ask_browser = !address.instance.empty() && address.port == 0;
  if (!ask_browser) outcome.port = address.port != 0 ? address.port : kDefaultSqlServerPort;
  std::optional<std::vector<SocketAddress>> addresses = ResolveStep(address.host, options, outcome);
  if (!addresses) return outcome;
  std::optional<sqlbrowser::BrowserInstance> browser;
  if (ask_browser && !BrowserPortStep(address, addresses->front(), options, outcome, browser)) {
    return outcome;
  }
  if (Stopped(options, ProbeStepId::kTcpConnect, outcome)) return outcome;
  absl::StatusOr<Connection> connection =
      ConnectAny(*addresses, outcome.port, StepTimeout(options));
  if (!connection.ok()) {
    return Failed(outcome, ProbeStepId::kTcpConnect, connection.status().message());
  }
  outcome.connect_latency = connection->latency;
  if (Stopped(options, ProbeStepId::kTdsPrelogin, outcome)) return outcome;
  if (!TdsStep(*connection, address.host, options, outcome)) return outcome;
  if (options.identity) BrowserEvidence(address, addresses->front(), browser, options, outcome);
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

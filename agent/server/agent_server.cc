#include "agent/server/agent_server.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "common/api/logging.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "agent/server/server_tls.h"
#include "common/api/role.h"
#include "common/api/tls_check.h"
#include "common/api/tls_files.h"
#include "common/model/host_port.h"
#include "common/platform/files.h"
#include "common/text/utf8.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace osfleet::agent {
namespace {

// Threads of the lanes other than `critical` (worker_threads); what runs on each:
// rpc_policy.h.
constexpr int kRollbackThreads = 1;
constexpr int kChangeThreads = 2;
constexpr int kControlThreads = 1;          // one Services.Control at a time anyway
constexpr int kProbeThreads = 3;            // one operator Probe's targets (one per database)
constexpr int kViewerProbeThreads = 2;      // viewers' probes, one task per target
constexpr int kDnsLookupsPerProbeLane = 4;  // resolver threads, also those left behind
constexpr int kPhaseThreads = 1;            // one phase at a time
constexpr int kCheckThreads = 2;            // two osctl doctor runs at once
constexpr int kMaxMetadataBytes = 16 << 10;
constexpr int kHandshakeTimeoutMs = 10'000;
constexpr int kKeepaliveTimeMs = 60'000;
constexpr int kKeepaliveTimeoutMs = 20'000;
constexpr int kMinClientPingIntervalMs = 10'000;
constexpr int kMaxConnectionIdleMs = 15 * 60'000;
constexpr absl::Duration kExpiryWarning = absl::Hours(14 * 24);

Transport TransportOf(const AgentConfig& c) {
  if (c.insecure) return Transport::kInsecure;
  return c.tls.ca.empty() ? Transport::kTls : Transport::kMutualTls;
}

// Limits that keep one misbehaving client (garbage, floods, idle or stalled
// connections, huge headers) from hurting the others.
void SetServerLimits(grpc::ServerBuilder& builder) {
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxStreamsPerConnection);
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, kHandshakeTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, kMaxConnectionIdleMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  // Clients may ping every 10 s, also between calls; faster pingers are disconnected.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinClientPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
}

// The listening sockets of `listen` (HOST:PORT, validated with the config).
absl::StatusOr<std::unique_ptr<platform::TcpListener>> Listen(const std::string& listen) {
  absl::StatusOr<HostPort> where = ParseHostPort(listen, "--listen");
  if (!where.ok()) return where.status();
  platform::Result<std::unique_ptr<platform::TcpListener>> listener =
      platform::TcpListener::Bind(where->host, where->port.value_or(0), platform::ListenerLimits{});
  if (!listener.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ",
                                               ValidUtf8(listener.error().Message()),
                                               " (address in use or not on this machine?)"));
  }
  return *std::move(listener);
}

// Hands each admitted connection to gRPC; refusals are logged (the first, then every 100th).
void StartAccepting(platform::TcpListener& listener,
                    grpc::experimental::ExternalConnectionAcceptor* acceptor) {
  auto refused = std::make_shared<std::atomic<uint64_t>>(0);
  listener.Start(
      [acceptor](int fd) {
        grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
        p.fd = fd;
        acceptor->HandleNewConnection(&p);
      },
      [refused](const std::string& peer, const std::string& why) {
        const uint64_t n = ++*refused;
        if (n == 1 || n % 100 == 0) {
          spdlog::warn("connection from {} closed at once: {} ({} refused so far)", peer, why, n);
        }
      });
}

// The agent's own certificate: its key must belong to it (gRPC would serve and then fail
// every handshake) and it must not have expired (every client would refuse it). A
// certificate not valid yet, or expiring within two weeks, is only warned about: clocks
// differ between machines, and a new certificate can be put in place in time.
absl::Status CheckOwnCertificate(const AgentConfig& c, const std::string& cert,
                                 const std::string& key) {
  const std::string reissue = absl::StrCat("re-issue with: osctl pki issue agent ", c.name);
  if (absl::Status s = CheckKeyMatchesCertificate(
          c.tls, cert, key, absl::StrCat("give the key issued with it, or ", reissue));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<CertificateValidity> validity = ReadValidity(c.tls.cert, cert);
  if (!validity.ok()) return validity.status();
  const absl::Time now = absl::Now();
  const std::string problem = ValidityProblem(*validity, now);
  if (Expired(*validity, now)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--tls-cert ", c.tls.cert, " ", problem, "; ", reissue));
  }
  if (!problem.empty()) {
    spdlog::warn("--tls-cert {} {} (this clock: {}); clients refuse it until then", c.tls.cert,
                 problem, CertificateTime(now));
  } else if (validity->not_after - now < kExpiryWarning) {
    spdlog::warn("--tls-cert {} expires on {}; {}", c.tls.cert,
                 CertificateTime(validity->not_after), reissue);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(const AgentConfig& c) {
  if (c.insecure) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = LoadPem("--tls-cert", c.tls.cert, "CERTIFICATE");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = LoadPem("--tls-key", c.tls.key, "PRIVATE KEY");
  if (!key.ok()) return key.status();
  const platform::Result<bool> key_private = platform::SecretFileIsPrivate(c.tls.key);
  if (!key_private.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--tls-key ", ValidUtf8(key_private.error().Message())));
  }
  if (!*key_private) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--tls-key ", c.tls.key,
        " may be read by other accounts; run: ", platform::MakePrivateCommand(c.tls.key)));
  }
  if (absl::Status s = CheckOwnCertificate(c, *cert, *key); !s.ok()) return s;
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!c.tls.ca.empty()) {
    absl::StatusOr<std::string> ca = LoadPem("--tls-ca", c.tls.ca, "CERTIFICATE");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// gRPC 1.51 does not report an external port it cannot secure (it logs "Unable to create
// secure server" and the agent would serve nothing): the credentials are tried on a
// loopback port of a throwaway server first, where a failure is reported.
absl::Status CheckCredentialsServe(const AgentConfig& c,
                                   const std::shared_ptr<grpc::ServerCredentials>& creds) {
  if (c.insecure) return absl::OkStatus();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", creds, &port);
  // A server with nothing to serve is never built: give it a generic service that refuses
  // every call.
  grpc::CallbackGenericService nothing;
  builder.RegisterCallbackGenericService(&nothing);
  std::unique_ptr<grpc::Server> trial = builder.BuildAndStart();
  if (trial != nullptr) trial->Shutdown(std::chrono::system_clock::now());
  if (trial != nullptr && port != 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "gRPC cannot serve TLS with --tls-cert ", c.tls.cert, " and --tls-key ", c.tls.key,
      " (the grpc: lines above say why; a key too weak for OpenSSL's security level is one "
      "cause); re-issue with: osctl pki issue agent ",
      c.name));
}

absl::StatusOr<std::vector<std::unique_ptr<ServiceBackend>>> MakeBackends(
    const AgentConfig& config, const StateDir& state_dir) {
  std::vector<std::unique_ptr<ServiceBackend>> backends;
  for (const ServiceConfig& c : config.services) {
    absl::StatusOr<std::unique_ptr<ServiceBackend>> b = MakeServiceBackend(c, state_dir.path());
    if (!b.ok()) {
      return absl::Status(b.status().code(),
                          absl::StrCat("service '", c.name, "': ", b.status().message()));
    }
    backends.push_back(*std::move(b));
  }
  return backends;
}

// Why this agent keeps no fleet hold: only the Deployment Controller's does ("" there).
std::string HoldRefusal(const AgentConfig& config) {
  if (config.role == v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER) return "";
  return absl::StrCat("this agent (", config.name, ") is a ", RoleName(config.role),
                      "; the fleet hold is kept by the Deployment Controller's agent: ask it");
}

}  // namespace

absl::Status CheckServerTls(const AgentConfig& config) { return MakeCredentials(config).status(); }

AgentServer::AgentServer(AgentConfig config, StateDir state_dir,
                         std::vector<std::unique_ptr<ServiceBackend>> backends,
                         std::unique_ptr<PhaseDriver> phase_driver, std::unique_ptr<CrlStore> crl)
    : config_(std::move(config)),
      state_dir_(std::move(state_dir)),
      limiter_(LimitsFor(config_.max_concurrent_calls)),
      audit_(config_.audit_log.empty() ? state_dir_.Sub("audit.log") : config_.audit_log),
      crl_(std::move(crl)),
      gate_(Authorizer(TransportOf(config_), crl_.get()), &limiter_, &audit_, kReadDeadline),
      backups_(state_dir_.Sub("backups"), config_.max_backups),
      store_(config_.hsconf_path, &backups_),
      running_(state_dir_.Sub("services.json")),
      services_(std::move(backends), config_.min_healthy),
      tool_(config_.configuration_tool
                ? std::make_unique<ConfigurationTool>(*config_.configuration_tool)
                : nullptr),
      changes_(&store_, &services_, state_dir_.Sub("pending.json"), config_.min_healthy),
      hold_(state_dir_.Sub("hold.json"), HoldRefusal(config_)),
      critical_lane_(config_.worker_threads),
      rollback_lane_(kRollbackThreads),
      change_lane_(kChangeThreads),
      control_lane_(kControlThreads),
      probe_lane_(kProbeThreads),
      viewer_probe_lane_(kViewerProbeThreads),
      probes_(&probe_lane_, &viewer_probe_lane_, kDnsLookupsPerProbeLane),
      phase_lane_(kPhaseThreads),
      endpoints_service_(MakeEndpointsDeps()),
      services_service_(&services_, MakeLanes(), config_.min_healthy, &gate_),
      phase_driver_(std::move(phase_driver)),
      service_center_service_(
          phase_driver_.get(), MakeLanes(),
          config_.service_center ? config_.service_center->deadline : absl::Minutes(60), &gate_,
          &activity_),
      doctor_(&config_, &store_, &services_, phase_driver_.get(), state_dir_.path(), Clock::Real()),
      check_lane_(kCheckThreads),
      agent_service_(&config_, &store_, &services_, MakeLanes(), &gate_, &doctor_, &activity_),
      reflection_({v1::Agent::service_full_name(), v1::Endpoints::service_full_name(),
                   v1::Services::service_full_name(), v1::ServiceCenter::service_full_name(),
                   grpc::health::v1::Health::service_full_name()}) {
  services_.TrackRevisions(&running_, [this] { return store_.CurrentRevision(); });
  services_.set_activity(&activity_);
  if (tool_ != nullptr) tool_->set_activity(&activity_);
  changes_.set_auto_revert_hook([this](const AutoRevert& r) { AuditAutoRevert(r); });
  changes_.set_configuration_tool(tool_.get());
}

EndpointsDeps AgentServer::MakeEndpointsDeps() {
  EndpointsDeps deps;
  deps.store = &store_;
  deps.changes = &changes_;
  deps.hold = &hold_;
  deps.lanes = MakeLanes();
  deps.probes = &probes_;
  deps.probe = config_.probe;
  deps.on_read = [this](bool ok) { SetHealth(ok); };
  deps.gate = &gate_;
  return deps;
}

// Only the executors' addresses: every lane may be named before it is built.
Lanes AgentServer::MakeLanes() {
  Lanes lanes;
  lanes.critical = &critical_lane_;
  lanes.rollback = &rollback_lane_;
  lanes.changes = &change_lane_;
  lanes.control = &control_lane_;
  lanes.probes = &probe_lane_;
  lanes.viewer_probes = &viewer_probe_lane_;
  lanes.phase = &phase_lane_;
  lanes.checks = &check_lane_;
  return lanes;
}

void AgentServer::AuditAutoRevert(const AutoRevert& revert) {
  AuditRecord record{absl::Now(),
                     "osagent",
                     "",
                     "AutomaticRevert",
                     revert.before,
                     revert.after,
                     revert.change_id,
                     AuditResult(revert.status),
                     {{"reason", revert.reason}}};
  // The revert is done whatever the disk says: safety first, then say so loudly.
  if (absl::Status s = audit_.Append(record); !s.ok()) {
    spdlog::critical("automatic revert of change {} ({}) is NOT AUDITED: {}", revert.change_id,
                     AuditResult(revert.status), s.message());
  }
}

AgentServer::~AgentServer() {
  if (server_) Shutdown(absl::Seconds(5));
}

absl::StatusOr<std::unique_ptr<AgentServer>> AgentServer::Start(AgentConfig config) {
  if (absl::Status s = ValidateAgentConfig(config); !s.ok()) return s;
  absl::StatusOr<StateDir> state_dir = StateDir::Open(config.state_dir);
  if (!state_dir.ok()) return state_dir.status();
  absl::StatusOr<std::vector<std::unique_ptr<ServiceBackend>>> backends =
      MakeBackends(config, *state_dir);
  if (!backends.ok()) return backends.status();
  std::unique_ptr<PhaseDriver> phase_driver;
  if (config.service_center.has_value()) {
    absl::StatusOr<std::unique_ptr<PhaseDriver>> d =
        MakePhaseDriver(config.service_center->config, config.configuration_tool);
    if (!d.ok()) {
      return absl::Status(d.status().code(),
                          absl::StrCat("service_center: ", d.status().message()));
    }
    phase_driver = *std::move(d);
  }
  std::unique_ptr<CrlStore> crl;
  if (!config.tls_crl.empty()) {
    absl::StatusOr<std::unique_ptr<CrlStore>> opened =
        CrlStore::Open(config.tls_crl, config.tls.ca, state_dir->Sub("crl-in-force.json"));
    if (!opened.ok()) return opened.status();
    crl = *std::move(opened);
  }
  std::unique_ptr<AgentServer> server(new AgentServer(std::move(config), *std::move(state_dir),
                                                      *std::move(backends), std::move(phase_driver),
                                                      std::move(crl)));
  server->store_.RemoveStaleTempFiles();  // left by a kill -9 in the middle of a write
  if (absl::Status s = server->running_.Load(); !s.ok()) {
    spdlog::warn("{}; until the services restart, the agent cannot tell what they run on",
                 s.message());
  }
  if (absl::Status s = server->changes_.Recover(); !s.ok()) {
    spdlog::error("recovering the pending change: {}", s.message());
  }
  if (absl::Status s = server->hold_.Recover(); !s.ok()) {
    spdlog::error("recovering the fleet hold: {}", s.message());
  }
  if (absl::Status s = server->Build(); !s.ok()) return s;
  if (server->crl_ != nullptr) server->crl_->StartPolling();
  if (server->config_.start_services) server->StartServicesInBackground();
  absl::StatusOr<HsconfDocument> doc = server->store_.Read();
  server->SetHealth(doc.ok());
  if (!doc.ok()) {
    spdlog::error("server.hsconf cannot be used (health: NOT_SERVING): {}", doc.status().message());
  }
  return server;
}

absl::Status AgentServer::Build() {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds = MakeCredentials(config_);
  if (!creds.ok()) return creds.status();
  if (absl::Status s = CheckCredentialsServe(config_, *creds); !s.ok()) return s;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // Where connections can be handed over (POSIX), our listener admits them; elsewhere
  // (Windows: gRPC 1.51 has no descriptor acceptor there) gRPC listens itself.
  int grpc_port = 0;
  if (platform::ListenerHandsOverDescriptors()) {
    absl::StatusOr<std::unique_ptr<platform::TcpListener>> listener = Listen(config_.listen);
    if (!listener.ok()) return listener.status();
    listener_ = *std::move(listener);
    acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
        grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD, *creds);
  } else {
    absl::StatusOr<HostPort> where = ParseHostPort(config_.listen, "--listen");
    if (!where.ok()) return where.status();
    builder.AddListeningPort(where->ToString(0), *creds, &grpc_port);
  }
  SetServerLimits(builder);
  builder.RegisterService(&agent_service_);
  builder.RegisterService(&endpoints_service_);
  builder.RegisterService(&services_service_);
  builder.RegisterService(&service_center_service_);
  builder.RegisterService(reflection_.v1());
  builder.RegisterService(reflection_.v1alpha());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve on ", config_.listen, ": gRPC refused to start the server",
        config_.insecure ? "" : " (check --tls-cert and --tls-key)", "; the lines above say why"));
  }
  if (listener_ == nullptr) {
    if (grpc_port == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen,
                                                 " (address in use or not on this machine?)"));
    }
    port_ = grpc_port;
  } else {
    port_ = listener_->port();
    StartAccepting(*listener_, acceptor_.get());
  }
  spdlog::info("osagent {} '{}' ({}) serving on port {} ({}), hsconf {}, audit log {}",
               OSFLEET_VERSION, config_.name, RoleName(config_.role), port_,
               config_.insecure         ? "plaintext: every caller is operator"
               : config_.tls.ca.empty() ? "TLS without client certificates: every caller is viewer"
                                        : "mTLS",
               config_.hsconf_path, audit_.path());
  return absl::OkStatus();
}

void AgentServer::StartServicesInBackground() {
  control_lane_.Post([this] {
    absl::Status s = services_.Control(
        ServiceAction::kStart, {}, config_.min_healthy, [](const ServiceEvent& e) {
          spdlog::info("service '{}': {} {}", e.service, ServiceStateName(e.state), e.detail);
        });
    if (!s.ok()) spdlog::error("starting the services: {}", s.message());
  });
}

void AgentServer::SetHealth(bool serving) {
  if (server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void AgentServer::Shutdown(absl::Duration grace) {
  if (listener_) listener_->Stop();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

}  // namespace osfleet::agent

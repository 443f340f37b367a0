#include "agent/agent_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "common/logging.h"

#include "absl/strings/str_cat.h"
#include "common/role.h"
#include "common/tls_files.h"

namespace osfleet::agent {
namespace {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(const AgentConfig& c) {
  if (c.insecure) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = LoadPem("--tls-cert", c.tls.cert, "CERTIFICATE");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = LoadPem("--tls-key", c.tls.key, "PRIVATE KEY");
  if (!key.ok()) return key.status();
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

}  // namespace

AgentServer::AgentServer(AgentConfig config, StateDir state_dir)
    : config_(std::move(config)),
      state_dir_(std::move(state_dir)),
      backups_(state_dir_.Sub("backups"), config_.max_backups),
      store_(config_.hsconf_path, &backups_),
      executor_(config_.worker_threads),
      endpoints_service_(&store_, &executor_, [this](bool ok) { SetHealth(ok); }),
      agent_service_(&config_, &store_, &executor_) {}

AgentServer::~AgentServer() {
  if (server_) Shutdown(absl::Seconds(5));
}

absl::StatusOr<std::unique_ptr<AgentServer>> AgentServer::Start(AgentConfig config) {
  if (absl::Status s = ValidateAgentConfig(config); !s.ok()) return s;
  absl::StatusOr<StateDir> state_dir = StateDir::Open(config.state_dir);
  if (!state_dir.ok()) return state_dir.status();
  std::unique_ptr<AgentServer> server(new AgentServer(std::move(config), *std::move(state_dir)));
  if (absl::Status s = server->Build(); !s.ok()) return s;
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
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, *creds, &port_);
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  builder.RegisterService(&agent_service_);
  builder.RegisterService(&endpoints_service_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen,
                                               " (address in use or not on this machine?)"));
  }
  spdlog::info("osagent {} '{}' ({}) serving on port {} ({}), hsconf {}", OSFLEET_VERSION,
               config_.name, RoleName(config_.role), port_,
               config_.insecure ? "plaintext" : (config_.tls.ca.empty() ? "TLS" : "mTLS"),
               config_.hsconf_path);
  return absl::OkStatus();
}

void AgentServer::SetHealth(bool serving) {
  if (server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void AgentServer::Shutdown(absl::Duration grace) {
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

}  // namespace osfleet::agent

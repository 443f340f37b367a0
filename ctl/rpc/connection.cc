#include "ctl/rpc/connection.h"

#include "absl/strings/str_cat.h"
#include "common/address.h"
#include "common/tls_files.h"

namespace osfleet::ctl {

const char* ReadRetryServiceConfig() {
  return R"({"methodConfig": [{
    "name": [{"service": "osfleet.v1.Agent", "method": "GetInfo"},
             {"service": "osfleet.v1.Endpoints", "method": "Get"},
             {"service": "osfleet.v1.Endpoints", "method": "Plan"},
             {"service": "osfleet.v1.Endpoints", "method": "ListBackups"},
             {"service": "osfleet.v1.Endpoints", "method": "Probe"},
             {"service": "osfleet.v1.Services", "method": "List"}],
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                    "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]})";
}

absl::StatusOr<ChannelFactory> ChannelFactory::Create(const ConnectionOptions& options,
                                                      const std::vector<Server>& servers) {
  if (options.insecure) {
    for (const Server& s : servers) {
      if (!IsLoopbackHost(s.address.host)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--insecure: plaintext is allowed only to loopback agents, and '", s.name, "' is at ",
            s.Target(), "; use the fleet's TLS files (--tls-ca/--tls-cert/--tls-key)"));
      }
    }
    return ChannelFactory(grpc::InsecureChannelCredentials());
  }
  if (options.tls.ca.empty() || options.tls.cert.empty() || options.tls.key.empty()) {
    return absl::InvalidArgumentError(
        "TLS: give --tls-ca, --tls-cert and --tls-key (or `defaults.tls` in the inventory), "
        "or --insecure for agents on loopback");
  }
  grpc::SslCredentialsOptions ssl;
  for (auto [flag, path, kind, field] :
       {std::tuple{"--tls-ca", &options.tls.ca, "CERTIFICATE", &ssl.pem_root_certs},
        {"--tls-cert", &options.tls.cert, "CERTIFICATE", &ssl.pem_cert_chain},
        {"--tls-key", &options.tls.key, "PRIVATE KEY", &ssl.pem_private_key}}) {
    absl::StatusOr<std::string> pem = LoadPem(flag, *path, kind);
    if (!pem.ok()) return pem.status();
    *field = *std::move(pem);
  }
  return ChannelFactory(grpc::SslCredentials(ssl));
}

std::shared_ptr<grpc::Channel> ChannelFactory::ChannelFor(const Server& server) const {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(ReadRetryServiceConfig());
  // The agent's certificate must name the server as the inventory does.
  args.SetSslTargetNameOverride(server.name);
  // Separate channels per agent, never a shared subchannel pool across targets.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(server.Target(), creds_, args);
}

}  // namespace osfleet::ctl

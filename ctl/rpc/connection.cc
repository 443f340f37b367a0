#include "ctl/rpc/connection.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/api/tls_check.h"
#include "common/api/tls_files.h"
#include "common/model/address.h"

namespace osfleet::ctl {

namespace {

// osctl's own certificate, before any call: its key belongs to it, and it has not expired
// (every agent would refuse it, and say nothing more than a closed connection).
absl::Status CheckOwnCertificate(const TlsFiles& tls, const std::string& cert,
                                 const std::string& key) {
  constexpr char kReissue[] = "re-issue with: osctl pki issue operator NAME --role operator|viewer";
  if (absl::Status s = CheckKeyMatchesCertificate(
          tls, cert, key, absl::StrCat("give the key issued with it, or ", kReissue));
      !s.ok()) {
    return absl::InvalidArgumentError(s.message());
  }
  absl::StatusOr<CertificateValidity> validity = ReadValidity(tls.cert, cert);
  if (!validity.ok()) return validity.status();
  const std::string problem = ValidityProblem(*validity, absl::Now());
  if (Expired(*validity, absl::Now())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-cert ", tls.cert, " ", problem, "; ", kReissue));
  }
  if (!problem.empty()) {
    spdlog::warn("--tls-cert {} {} (this clock: {}); agents refuse it until then", tls.cert,
                 problem, CertificateTime(absl::Now()));
  }
  return absl::OkStatus();
}

}  // namespace

const char* ReadRetryServiceConfig() {
  return R"({"methodConfig": [{
    "name": [{"service": "osfleet.v1.Agent", "method": "GetInfo"},
             {"service": "osfleet.v1.Agent", "method": "Check"},
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
    return ChannelFactory(grpc::InsecureChannelCredentials(), TlsDiagnosis::Plaintext());
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
  if (absl::Status s = CheckOwnCertificate(options.tls, ssl.pem_cert_chain, ssl.pem_private_key);
      !s.ok()) {
    return s;
  }
  return ChannelFactory(
      grpc::SslCredentials(ssl),
      TlsDiagnosis::Tls(options.tls, ssl.pem_root_certs, ssl.pem_cert_chain, ssl.pem_private_key));
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

#include "ctl/rpc/tls_diagnosis.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/logging.h"
#include "common/api/tls_check.h"
#include "ctl/pki/certificate_info.h"
#include "ctl/rpc/tls_handshake.h"

namespace osfleet::ctl {
namespace {

inline void FreeStore(X509_STORE* s) { X509_STORE_free(s); }
inline void FreeStoreCtx(X509_STORE_CTX* c) { X509_STORE_CTX_free(c); }
inline void FreeStack(STACK_OF(X509) * s) { sk_X509_free(s); }  // the certs stay owned
using StorePtr = pki::OpenSslPtr<X509_STORE, FreeStore>;
using StoreCtxPtr = pki::OpenSslPtr<X509_STORE_CTX, FreeStoreCtx>;
using StackPtr = pki::OpenSslPtr<STACK_OF(X509), FreeStack>;

constexpr char kPlaintextAgent[] =
    "the agent answers in plaintext (it runs with --insecure) and osctl speaks TLS; give the "
    "agent its certificate (--tls-cert, --tls-key, --tls-ca; docs/pki.md), or call an agent on "
    "loopback with --insecure";
constexpr char kTlsAgent[] =
    "the agent serves TLS and osctl was run with --insecure (plaintext); drop --insecure and "
    "give --tls-ca, --tls-cert and --tls-key (or defaults.tls in the inventory)";

// The trust store of every certificate in ca_pem.
StorePtr TrustStore(const std::string& ca_pem) {
  StorePtr store(X509_STORE_new());
  pki::BioPtr bio(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())));
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), ca);
    X509_free(ca);
  }
  ERR_clear_error();
  return store;
}

// The verification error of chain (its first certificate the agent's) against ca_pem,
// X509_V_OK when it verifies; `at` the certificate at fault.
int VerifyChain(const std::string& ca_pem, const std::vector<pki::X509Ptr>& chain, X509** at) {
  StorePtr store = TrustStore(ca_pem);
  StackPtr untrusted(sk_X509_new_null());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx ||
      X509_STORE_CTX_init(ctx.get(), store.get(), chain[0].get(), untrusted.get()) != 1) {
    return X509_V_ERR_UNSPECIFIED;
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  const int ok = X509_verify_cert(ctx.get());
  const int error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
  *at = X509_STORE_CTX_get_current_cert(ctx.get());
  if (*at == nullptr) *at = chain[0].get();
  ERR_clear_error();
  return error;
}

pki::CertificateInfo Describe(X509* cert) {
  absl::StatusOr<pki::CertificateInfo> info = pki::DescribeCertificate(cert);
  return info.ok() ? *std::move(info) : pki::CertificateInfo{};
}

bool IsIssuerError(int error) {
  switch (error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return true;
    default:
      return false;
  }
}

std::string Names(const pki::CertificateInfo& info) {
  if (!info.subject_alt_names.empty()) return absl::StrJoin(info.subject_alt_names, ", ");
  return absl::StrCat("CN=", info.common_name);
}

// What is wrong with the agent's chain for osctl (trusting ca_pem, from --tls-ca ca_path)
// calling it `server.name`; empty: nothing.
std::string AgentChainProblem(const Server& server, const std::vector<pki::X509Ptr>& chain,
                              const std::string& ca_pem, const std::string& ca_path) {
  X509* at = nullptr;
  const int error = VerifyChain(ca_pem, chain, &at);
  const pki::CertificateInfo agent = Describe(chain[0].get());
  const std::string reissue = absl::StrCat("re-issue it with: osctl pki issue agent ", server.name,
                                           ", install it and restart the agent");
  const bool own = at == chain[0].get();
  const pki::CertificateInfo fault = own ? agent : Describe(at);
  const std::string whose =
      own ? absl::StrCat("the agent's certificate (", agent.subject, ")")
          : absl::StrCat("the CA certificate ", fault.subject, " in the agent's chain");
  if (error == X509_V_ERR_CERT_HAS_EXPIRED) {
    return absl::StrCat(whose, " expired on ", CertificateTime(fault.not_after), "; ", reissue);
  }
  if (error == X509_V_ERR_CERT_NOT_YET_VALID) {
    return absl::StrCat(whose, " is not valid before ", CertificateTime(fault.not_before),
                        " (this machine's clock: ", CertificateTime(absl::Now()),
                        "); check the clocks, or ", reissue);
  }
  if (IsIssuerError(error)) {
    return absl::StrCat("the agent's certificate (", agent.subject, ", issued by ", agent.issuer,
                        ") is not signed by the CA in --tls-ca ", ca_path,
                        "; check --tls-ca (the fleet CA's ca.pem), or re-issue the agent's "
                        "certificate from that CA: osctl pki issue agent ",
                        server.name);
  }
  if (error != X509_V_OK) {
    return absl::StrCat(whose, " does not verify against --tls-ca ", ca_path, ": ",
                        X509_verify_cert_error_string(error), "; ", reissue);
  }
  if (X509_check_host(chain[0].get(), server.name.c_str(), server.name.size(), 0, nullptr) != 1 &&
      X509_check_ip_asc(chain[0].get(), server.name.c_str(), 0) != 1) {
    return absl::StrCat("the agent's certificate names ", Names(agent), ", not '", server.name,
                        "' as the inventory calls it; re-issue it with: osctl pki issue agent ",
                        server.name,
                        " (or name the server in the inventory as its certificate "
                        "does)");
  }
  return "";
}

}  // namespace

bool MayBeTlsFailure(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
  const std::string& m = status.error_message();
  for (const char* word : {"andshake", "SSL", "ssl", "Socket closed", "Connection reset",
                           "Broken pipe", "EOF", "Endpoint read failed", "eer name"}) {
    if (absl::StrContains(m, word)) return true;
  }
  return false;
}

std::shared_ptr<const TlsDiagnosis> TlsDiagnosis::Plaintext() {
  return std::shared_ptr<const TlsDiagnosis>(new TlsDiagnosis());
}

std::shared_ptr<const TlsDiagnosis> TlsDiagnosis::Tls(TlsFiles files, std::string ca_pem,
                                                      std::string cert_pem, std::string key_pem) {
  std::shared_ptr<TlsDiagnosis> d(new TlsDiagnosis());
  d->insecure_ = false;
  d->files_ = std::move(files);
  d->ca_pem_ = std::move(ca_pem);
  d->cert_pem_ = std::move(cert_pem);
  d->key_pem_ = std::move(key_pem);
  return d;
}

grpc::Status TlsDiagnosis::Explain(const Server& server, const grpc::Status& status,
                                   absl::Duration budget) const {
  if (!MayBeTlsFailure(status)) return status;
  const std::string why = Diagnose(server, budget);
  if (why.empty()) return status;
  spdlog::debug("{} ({}): gRPC said: {}", server.name, server.Target(), status.error_message());
  return grpc::Status(status.error_code(), why);
}

std::string TlsDiagnosis::Diagnose(const Server& server, absl::Duration budget) const {
  if (!insecure_) return DiagnoseTls(server, budget);
  HandshakeRequest request{server.address.host,
                           static_cast<uint16_t>(server.address.port.value_or(kDefaultAgentPort)),
                           server.name};
  request.budget = budget;
  return ProbeHandshake(request).received_tls ? kTlsAgent : "";
}

std::string TlsDiagnosis::DiagnoseTls(const Server& server, absl::Duration budget) const {
  const auto port = static_cast<uint16_t>(server.address.port.value_or(kDefaultAgentPort));
  HandshakeRequest request{server.address.host, port, server.name, cert_pem_, key_pem_, budget};
  HandshakeResult r = ProbeHandshake(request);
  if (!r.connected) return "";
  if (r.received_any && !r.received_tls) return kPlaintextAgent;
  if (!r.received_any && SpeaksPlaintextHttp2(server.address.host, port, budget)) {
    return kPlaintextAgent;
  }
  if (!r.chain.empty()) {
    std::string problem = AgentChainProblem(server, r.chain, ca_pem_, files_.ca);
    if (!problem.empty()) return problem;
  }
  if (r.accepted) return "";
  if (r.reason != 0) return RefusalOfOurs(r.reason, r.error);
  if (r.completed && r.peer_closed) return ClosedAfterOurs();
  return "";
}

std::string TlsDiagnosis::ClosedAfterOurs() const {
  // gRPC's server closes without an alert: judge our certificate by the fleet CA we trust.
  const std::string ours = absl::StrCat("your certificate --tls-cert ", files_.cert);
  StorePtr store = TrustStore(ca_pem_);
  pki::BioPtr bio(BIO_new_mem_buf(cert_pem_.data(), static_cast<int>(cert_pem_.size())));
  pki::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  const bool ours_verifies =
      store && cert && ctx &&
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) == 1 &&
      X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  if (!ours_verifies) {
    return absl::StrCat("the agent does not trust ", ours,
                        ": it is not signed by the fleet CA in --tls-ca ", files_.ca,
                        " (the agent's --tls-ca); use an operator certificate from the fleet CA: "
                        "osctl pki issue operator NAME --role operator|viewer");
  }
  return absl::StrCat("the agent closed the connection after the handshake: it does not accept ",
                      ours,
                      " (not signed by a CA in the agent's --tls-ca, or expired by its "
                      "clock); check the agent's tls.ca, or add your CA to its bundle");
}

std::string TlsDiagnosis::RefusalOfOurs(int reason, const std::string& error) const {
  const std::string ours = absl::StrCat("your certificate --tls-cert ", files_.cert);
  const std::string reissue =
      "re-issue it with: osctl pki issue operator NAME --role operator|viewer";
  switch (reason) {
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
      return absl::StrCat("the agent does not trust ", ours,
                          ": it is not signed by the CA in the agent's --tls-ca; use a "
                          "certificate from the fleet CA (",
                          reissue, "), or add its CA to the agent's --tls-ca bundle");
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
      return absl::StrCat("the agent refused ", ours,
                          " as expired or not yet valid by its clock; check the agent's clock, "
                          "or ",
                          reissue);
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return "the agent requires a client certificate; give --tls-cert and --tls-key";
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
      return absl::StrCat("the agent refused ", ours, " (", error, "); ", reissue);
    default:
      return absl::StrCat("the TLS handshake with the agent failed: ", error);
  }
}

}  // namespace osfleet::ctl

// Why osctl could not talk to an agent, in words, when gRPC only says "Socket closed" or
// "Ssl handshake failed": after such a failure, a one-off handshake of our own
// (tls_handshake.h) reads the agent's certificate chain and its verdict on ours, and names
// the certificate at fault and the fix: plaintext against TLS either way, a certificate
// not from the CA the other side trusts, a name the agent's certificate does not carry,
// an expired certificate.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/api/tls_files.h"
#include "ctl/fleet/inventory.h"

namespace osfleet::ctl {

class TlsDiagnosis {
 public:
  // Plaintext osctl (--insecure): no TLS files.
  static std::shared_ptr<const TlsDiagnosis> Plaintext();
  // osctl with TLS: its files and what they hold.
  static std::shared_ptr<const TlsDiagnosis> Tls(TlsFiles files, std::string ca_pem,
                                                 std::string cert_pem, std::string key_pem);

  // status itself, unless it is an UNAVAILABLE that may come from the connection's security
  // and the probe finds why: then UNAVAILABLE with that reason and its fix. gRPC's own text
  // goes to the debug log (osctl --verbose). Blocks up to `budget` (the probe).
  grpc::Status Explain(const Server& server, const grpc::Status& status,
                       absl::Duration budget) const;

  // The reason and the fix; empty when the probe finds nothing wrong with TLS.
  std::string Diagnose(const Server& server, absl::Duration budget) const;

 private:
  TlsDiagnosis() = default;
  std::string DiagnoseTls(const Server& server, absl::Duration budget) const;
  std::string RefusalOfOurs(int reason, const std::string& error) const;
  std::string ClosedAfterOurs() const;

  bool insecure_ = true;
  TlsFiles files_;
  std::string ca_pem_, cert_pem_, key_pem_;
};

// Whether a gRPC failure may come from TLS (a handshake, a closed or reset connection)
// rather than a host that is down or a call that took too long.
bool MayBeTlsFailure(const grpc::Status& status);

}  // namespace osfleet::ctl

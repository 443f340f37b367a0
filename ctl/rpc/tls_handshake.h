// A one-off TLS handshake of osctl's own with an agent (OpenSSL over the platform's
// sockets, through memory BIOs), to see what gRPC hides when a connection fails: whether
// the agent speaks TLS at all, its certificate chain, and its verdict on ours. The agent's
// certificate is not verified here; the caller checks the chain it returns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ctl/pki/openssl_util.h"

namespace osfleet::ctl {

struct HandshakeRequest {
  std::string host;  // name or IP literal
  uint16_t port = 0;
  std::string server_name;  // sent as SNI
  std::string cert_pem;     // our certificate chain and key; empty: none offered
  std::string key_pem;
  absl::Duration budget = absl::Seconds(3);  // for the whole probe
};

struct HandshakeResult {
  bool connected = false;           // the TCP connection was made
  bool received_any = false;        // the agent sent bytes
  bool received_tls = false;        // and the first of them starts a TLS record
  bool peer_closed = false;         // the agent closed the connection
  bool completed = false;           // our side of the handshake completed
  bool accepted = false;            // then the agent sent application data: it took our certificate
  int reason = 0;                   // OpenSSL's reason code of the failure (SSL_R_...); 0: none
  std::string error;                // its text ("tlsv1 alert unknown ca"); empty: none
  std::vector<pki::X509Ptr> chain;  // the agent's certificates, its own first
};

HandshakeResult ProbeHandshake(const HandshakeRequest& request);

// Whether host:port answers a plaintext HTTP/2 connection preface with a SETTINGS frame
// (an agent running --insecure does).
bool SpeaksPlaintextHttp2(const std::string& host, uint16_t port, absl::Duration budget);

}  // namespace osfleet::ctl

// TLS over memory instead of a socket (OpenSSL memory BIOs): SQL Server carries its TLS
// handshake inside TDS PRELOGIN packets (MS-TDS 2.2.6.5, TDS 7.x) or speaks TLS first
// (TDS 8.0), so the caller moves the bytes and OpenSSL only computes. Shared by the probe
// (client) and the fake SQL Server (server). Certificates are read, never verified: they are
// evidence of identity, not trust.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/probe/fingerprint.h"

namespace osfleet::agent::tls {

inline constexpr char kAlpnTds8[] = "tds/8.0";

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

struct ClientSettings {
  bool allow_tls13 = false;  // TDS 7.x: SQL Server's TLS inside PRELOGIN is at most 1.2
  std::string alpn;          // offered protocol ("tds/8.0"); empty offers none
  std::string sni;           // server name indication; empty sends none
};

// One TLS conversation: Feed() what the peer sent, TakeOutgoing() what to send it.
class MemoryTls {
 public:
  static absl::StatusOr<std::unique_ptr<MemoryTls>> Client(const ClientSettings& settings);
  // A server session on `ctx` (the session keeps its own reference).
  static absl::StatusOr<std::unique_ptr<MemoryTls>> Server(SSL_CTX* ctx, bool allow_tls13);
  MemoryTls(const MemoryTls&) = delete;
  MemoryTls& operator=(const MemoryTls&) = delete;
  ~MemoryTls();

  void Feed(absl::string_view from_peer);
  // Advances the handshake: true once complete, false while it waits for the peer. The
  // error names OpenSSL's reason ("wrong version number", "tlsv1 alert no application
  // protocol").
  absl::StatusOr<bool> Handshake();
  bool handshake_done() const;
  std::string TakeOutgoing();
  // After the handshake: encrypts `plaintext` into the outgoing bytes.
  absl::Status Write(absl::string_view plaintext);
  // After the handshake: the plaintext decrypted from what was fed so far (maybe none).
  absl::StatusOr<std::string> Read();
  // The peer's certificate, once its Certificate message was processed.
  std::optional<TlsCertificate> PeerCertificate() const;

 private:
  explicit MemoryTls(SSL* ssl);
  SSL* ssl_;
  BIO* in_;   // owned by ssl_
  BIO* out_;  // owned by ssl_
};

// sha256 of the DER (lowercase hex), subject and issuer (RFC 2253, one line), and whether
// it is self-signed (issuer == subject and its own key verifies its signature).
TlsCertificate DescribeCertificate(X509* certificate);

// OpenSSL's reason for the last failure on this thread (and clears its error queue).
std::string LastTlsError();

}  // namespace osfleet::agent::tls

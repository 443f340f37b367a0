#include "ctl/rpc/tls_handshake.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <optional>

#include "common/platform/sockets.h"

namespace osfleet::ctl {
namespace {

using platform::Deadline;

inline void FreeSsl(SSL* s) { SSL_free(s); }
inline void FreeCtx(SSL_CTX* c) { SSL_CTX_free(c); }
using SslPtr = pki::OpenSslPtr<SSL, FreeSsl>;
using SslCtxPtr = pki::OpenSslPtr<SSL_CTX, FreeCtx>;

Deadline DeadlineIn(absl::Duration d) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(d);
}

std::optional<platform::Socket> Connect(const std::string& host, uint16_t port, Deadline deadline) {
  std::optional<platform::SocketAddress> address = platform::ParseNumericAddress(host);
  if (!address) {
    platform::Result<std::vector<platform::SocketAddress>> all = platform::ResolveHost(host);
    if (!all.ok() || all->empty()) return std::nullopt;
    address = all->front();
  }
  platform::Result<platform::Socket> socket =
      platform::ConnectTcp(address->WithPort(port), deadline);
  if (!socket.ok()) return std::nullopt;
  return *std::move(socket);
}

// Our certificate chain and key on ctx; false when they do not load.
bool UseOwnCertificate(SSL_CTX* ctx, const std::string& cert_pem, const std::string& key_pem) {
  pki::BioPtr certs(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  pki::X509Ptr leaf(PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr));
  if (leaf == nullptr || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) return false;
  while (X509* extra = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add0_chain_cert(ctx, extra);  // owned by ctx from here
  }
  pki::BioPtr key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  pki::KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  return key != nullptr && SSL_CTX_use_PrivateKey(ctx, key.get()) == 1;
}

SslCtxPtr ClientContext(const HandshakeRequest& request) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) return ctx;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // the caller checks the chain
  static const unsigned char kH2[] = {2, 'h', '2'};         // gRPC insists on ALPN h2
  SSL_CTX_set_alpn_protos(ctx.get(), kH2, sizeof(kH2));
  if (!request.cert_pem.empty()) UseOwnCertificate(ctx.get(), request.cert_pem, request.key_pem);
  ERR_clear_error();
  return ctx;
}

// Moves bytes between OpenSSL's memory BIOs and the socket.
class Pump {
 public:
  Pump(platform::Socket& socket, SSL* ssl, Deadline deadline, HandshakeResult& result)
      : socket_(socket), ssl_(ssl), deadline_(deadline), result_(result) {
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);  // empty means "wait for more", not the end
    SSL_set_bio(ssl_, in_, out_);     // owned by ssl from here
  }

  // Sends what OpenSSL wrote; false when the agent does not take it.
  bool Flush() {
    char* data = nullptr;
    const long size = BIO_get_mem_data(out_, &data);
    if (size <= 0) return true;
    const bool sent =
        socket_.SendAll(std::string_view(data, static_cast<size_t>(size)), deadline_).ok();
    (void)BIO_reset(out_);
    return sent;
  }

  // Receives what the agent sent into OpenSSL; false at its end, an error or the deadline.
  bool Fill(Deadline deadline) {
    char buffer[16384];
    platform::Result<std::size_t> n = socket_.Receive(buffer, sizeof(buffer), deadline);
    if (!n.ok() || *n == 0) {
      result_.peer_closed = n.ok();
      return false;
    }
    if (!result_.received_any) {
      result_.received_any = true;
      const auto first = static_cast<unsigned char>(buffer[0]);
      result_.received_tls = first >= 0x14 && first <= 0x17;  // TLS record content types
    }
    BIO_write(in_, buffer, static_cast<int>(*n));
    return true;
  }

  Deadline deadline() const { return deadline_; }

 private:
  platform::Socket& socket_;
  SSL* ssl_;
  Deadline deadline_;
  HandshakeResult& result_;
  BIO* in_;
  BIO* out_;
};

// OpenSSL's reason for the failure, into result; clears the error queue.
void RecordError(HandshakeResult& result) {
  const unsigned long code = ERR_peek_error();
  if (code != 0) {
    result.reason = ERR_GET_REASON(code);
    const char* text = ERR_reason_error_string(code);
    result.error = text != nullptr ? text : "unknown OpenSSL error";
  }
  ERR_clear_error();
}

// Steps f (SSL_do_handshake or a read) until it succeeds or fails for good.
template <typename Step>
bool Drive(SSL* ssl, Pump& pump, Deadline deadline, HandshakeResult& result, Step step) {
  while (true) {
    const int rc = step();
    const bool flushed = pump.Flush();
    if (rc > 0) return true;
    if (SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ) {
      RecordError(result);
      return false;
    }
    if (!flushed || !pump.Fill(deadline)) return false;
  }
}

void CopyChain(SSL* ssl, HandshakeResult& result) {
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* cert = sk_X509_value(chain, i);
    X509_up_ref(cert);
    result.chain.emplace_back(cert);
  }
}

}  // namespace

HandshakeResult ProbeHandshake(const HandshakeRequest& request) {
  HandshakeResult result;
  const Deadline deadline = DeadlineIn(request.budget);
  std::optional<platform::Socket> socket = Connect(request.host, request.port, deadline);
  if (!socket) return result;
  result.connected = true;
  SslCtxPtr ctx = ClientContext(request);
  SslPtr ssl(ctx ? SSL_new(ctx.get()) : nullptr);
  if (ssl == nullptr) return result;
  SSL_set_tlsext_host_name(ssl.get(), request.server_name.c_str());
  Pump pump(*socket, ssl.get(), deadline, result);
  SSL_set_connect_state(ssl.get());
  result.completed =
      Drive(ssl.get(), pump, deadline, result, [&] { return SSL_do_handshake(ssl.get()); });
  CopyChain(ssl.get(), result);
  if (!result.completed) return result;
  // TLS 1.3: the agent judges our certificate after our side is done; its HTTP/2 SETTINGS
  // say it took it, an alert says why not.
  const Deadline verdict = std::min(deadline, DeadlineIn(absl::Seconds(2)));
  char byte = 0;
  result.accepted =
      Drive(ssl.get(), pump, verdict, result, [&] { return SSL_read(ssl.get(), &byte, 1); });
  return result;
}

bool SpeaksPlaintextHttp2(const std::string& host, uint16_t port, absl::Duration budget) {
  const Deadline deadline = DeadlineIn(budget);
  std::optional<platform::Socket> socket = Connect(host, port, deadline);
  if (!socket) return false;
  static const char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  std::string hello(kPreface, sizeof(kPreface) - 1);
  hello.append("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);  // an empty SETTINGS frame
  if (!socket->SendAll(hello, deadline).ok()) return false;
  char header[9];
  std::size_t have = 0;
  while (have < sizeof(header)) {
    platform::Result<std::size_t> n =
        socket->Receive(header + have, sizeof(header) - have, deadline);
    if (!n.ok() || *n == 0) return false;
    have += *n;
  }
  return header[3] == 0x04;  // the frame type: SETTINGS
}

}  // namespace osfleet::ctl

#include "agent/probe/tds_tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace osfleet::agent::tls {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string NameLine(const X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || name == nullptr) return "";
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

std::string Sha256Hex(X509* certificate) {
  const int size = i2d_X509(certificate, nullptr);
  if (size <= 0) return "";
  std::string der(static_cast<size_t>(size), '\0');
  unsigned char* cursor = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(certificate, &cursor);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &length, EVP_sha256(), nullptr) != 1) return "";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) absl::StrAppendFormat(&hex, "%02x", digest[i]);
  return hex;
}

// The client context: anything the server offers, down to TLS 1.0 and security level 0: old
// SQL Servers present SHA1 or 1024-bit fallback certificates, and nothing secret is sent.
absl::StatusOr<SslCtxPtr> ClientContext(bool allow_tls13) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) return absl::InternalError(absl::StrCat("TLS: ", LastTlsError()));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), allow_tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
  SSL_CTX_set_options(ctx.get(), SSL_OP_LEGACY_SERVER_CONNECT);
  return ctx;
}

std::string AlpnWire(const std::string& protocol) {
  return std::string(1, static_cast<char>(protocol.size())) + protocol;
}

}  // namespace

std::string LastTlsError() {
  std::string reason;
  while (const unsigned long code = ERR_get_error()) {
    const char* text = ERR_reason_error_string(code);
    if (reason.empty()) reason = text != nullptr ? text : absl::StrFormat("error 0x%08lX", code);
  }
  return reason;
}

MemoryTls::MemoryTls(SSL* ssl) : ssl_(ssl), in_(BIO_new(BIO_s_mem())), out_(BIO_new(BIO_s_mem())) {
  SSL_set_bio(ssl_, in_, out_);
}

MemoryTls::~MemoryTls() { SSL_free(ssl_); }

absl::StatusOr<std::unique_ptr<MemoryTls>> MemoryTls::Client(const ClientSettings& settings) {
  ERR_clear_error();
  absl::StatusOr<SslCtxPtr> ctx = ClientContext(settings.allow_tls13);
  if (!ctx.ok()) return ctx.status();
  SSL* ssl = SSL_new(ctx->get());
  if (ssl == nullptr) return absl::InternalError(absl::StrCat("TLS: ", LastTlsError()));
  std::unique_ptr<MemoryTls> session(new MemoryTls(ssl));
  SSL_set_connect_state(ssl);
  if (!settings.alpn.empty()) {
    const std::string wire = AlpnWire(settings.alpn);
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned int>(wire.size()));
  }
  if (!settings.sni.empty()) SSL_set_tlsext_host_name(ssl, settings.sni.c_str());
  return session;
}

absl::StatusOr<std::unique_ptr<MemoryTls>> MemoryTls::Server(SSL_CTX* ctx, bool allow_tls13) {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) return absl::InternalError(absl::StrCat("TLS: ", LastTlsError()));
  std::unique_ptr<MemoryTls> session(new MemoryTls(ssl));
  SSL_set_accept_state(ssl);
  if (!allow_tls13) SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
  return session;
}

void MemoryTls::Feed(absl::string_view from_peer) {
  if (!from_peer.empty()) BIO_write(in_, from_peer.data(), static_cast<int>(from_peer.size()));
}

absl::StatusOr<bool> MemoryTls::Handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) return true;
  const int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return false;
  std::string reason = LastTlsError();
  if (reason.empty()) reason = "the peer ended the TLS session";
  return absl::UnavailableError(reason);
}

bool MemoryTls::handshake_done() const { return SSL_is_init_finished(ssl_) == 1; }

std::string MemoryTls::TakeOutgoing() {
  std::string out;
  char buffer[4096];
  int n = 0;
  while ((n = BIO_read(out_, buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  return out;
}

absl::Status MemoryTls::Write(absl::string_view plaintext) {
  ERR_clear_error();
  if (plaintext.empty()) return absl::OkStatus();
  if (SSL_write(ssl_, plaintext.data(), static_cast<int>(plaintext.size())) <= 0) {
    return absl::UnavailableError(LastTlsError());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MemoryTls::Read() {
  std::string plaintext;
  char buffer[4096];
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, buffer, sizeof(buffer));
    if (n > 0) {
      plaintext.append(buffer, n);
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_ZERO_RETURN) return plaintext;
    std::string reason = LastTlsError();
    if (reason.empty()) reason = "the TLS session failed";
    return absl::UnavailableError(reason);
  }
}

std::optional<TlsCertificate> MemoryTls::PeerCertificate() const {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  std::unique_ptr<X509, X509Free> certificate(SSL_get1_peer_certificate(ssl_));
#else
  std::unique_ptr<X509, X509Free> certificate(SSL_get_peer_certificate(ssl_));
#endif
  if (certificate == nullptr) return std::nullopt;
  return DescribeCertificate(certificate.get());
}

TlsCertificate DescribeCertificate(X509* certificate) {
  TlsCertificate out;
  out.sha256 = Sha256Hex(certificate);
  out.subject = NameLine(X509_get_subject_name(certificate));
  out.issuer = NameLine(X509_get_issuer_name(certificate));
  EVP_PKEY* key = X509_get0_pubkey(certificate);
  out.self_signed =
      X509_NAME_cmp(X509_get_subject_name(certificate), X509_get_issuer_name(certificate)) == 0 &&
      key != nullptr && X509_verify(certificate, key) == 1;
  ERR_clear_error();
  return out;
}

}  // namespace osfleet::agent::tls

#include "tests/fakes/fake_tls.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace osfleet::fakes {
namespace {

using agent::tls::LastTlsError;
using agent::tls::SslCtxPtr;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

absl::Status TlsError(absl::string_view what) {
  return absl::InternalError(absl::StrCat("fake SQL Server TLS: ", what, ": ", LastTlsError()));
}

absl::StatusOr<KeyPtr> NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return TlsError("generating an EC P-256 key");
  return key;
}

// A certificate for `common_name` and `key`, signed by `issuer_key` under `issuer` (the
// certificate's own name when null: self-signed).
absl::StatusOr<CertPtr> NewCertificate(const std::string& common_name, EVP_PKEY* key, X509* issuer,
                                       EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new());
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  if (cert == nullptr || serial == nullptr || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return TlsError("making a certificate");
  }
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  if (X509_set_pubkey(cert.get(), key) != 1 ||
      X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return TlsError("signing a certificate");
  }
  return cert;
}

// The TDS 8.0 server's ALPN choice: "tds/8.0" or a fatal no_application_protocol alert.
int SelectTds8(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
               unsigned int in_length, void*) {
  const std::string wanted = agent::tls::kAlpnTds8;
  for (unsigned int i = 0; i < in_length; i += 1 + in[i]) {
    if (in[i] == wanted.size() && i + 1 + in[i] <= in_length &&
        std::string(reinterpret_cast<const char*>(in + i + 1), in[i]) == wanted) {
      *out = in + i + 1;
      *out_length = in[i];
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// A ClientHello without ALPN never reaches SelectTds8: refuse it here.
int RequireAlpn(SSL* ssl, int* alert, void*) {
  const unsigned char* data = nullptr;
  size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data,
                                &length) == 1) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
  return SSL_CLIENT_HELLO_ERROR;
}

absl::StatusOr<SslCtxPtr> ServerContext(X509* cert, EVP_PKEY* key, bool tds8) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr || SSL_CTX_use_certificate(ctx.get(), cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx.get(), key) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1) {
    return TlsError("setting up a server context");
  }
  if (tds8) {
    SSL_CTX_set_alpn_select_cb(ctx.get(), SelectTds8, nullptr);
    SSL_CTX_set_client_hello_cb(ctx.get(), RequireAlpn, nullptr);
  }
  return ctx;
}

absl::StatusOr<FakeTlsIdentity> Identity(X509* cert, EVP_PKEY* key) {
  absl::StatusOr<SslCtxPtr> tds7 = ServerContext(cert, key, false);
  if (!tds7.ok()) return tds7.status();
  absl::StatusOr<SslCtxPtr> tds8 = ServerContext(cert, key, true);
  if (!tds8.ok()) return tds8.status();
  return FakeTlsIdentity{*std::move(tds7), *std::move(tds8)};
}

absl::Status WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "w"));
  if (file == nullptr) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  const bool ok = cert != nullptr ? PEM_write_X509(file.get(), cert) == 1
                                  : PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0,
                                                         nullptr, nullptr) == 1;
  if (!ok) return TlsError(absl::StrCat("writing ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FakeTlsIdentity> MakeFallbackIdentity() {
  absl::StatusOr<KeyPtr> key = NewKey();
  if (!key.ok()) return key.status();
  absl::StatusOr<CertPtr> cert =
      NewCertificate("SSL_Self_Signed_Fallback", key->get(), nullptr, key->get());
  if (!cert.ok()) return cert.status();
  return Identity(cert->get(), key->get());
}

absl::StatusOr<FakeTlsIdentity> LoadIdentity(const std::string& cert_file,
                                             const std::string& key_file) {
  std::unique_ptr<FILE, FileClose> cert_in(std::fopen(cert_file.c_str(), "r"));
  std::unique_ptr<FILE, FileClose> key_in(std::fopen(key_file.c_str(), "r"));
  if (cert_in == nullptr || key_in == nullptr) {
    return absl::NotFoundError(absl::StrCat("fake SQL Server TLS: cannot read ",
                                            cert_in == nullptr ? cert_file : key_file));
  }
  CertPtr cert(PEM_read_X509(cert_in.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return TlsError(absl::StrCat(cert_file, " holds no PEM certificate"));
  KeyPtr key(PEM_read_PrivateKey(key_in.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return TlsError(absl::StrCat(key_file, " holds no PEM private key"));
  return Identity(cert.get(), key.get());
}

absl::Status WriteIssuedCertificate(const std::string& cert_file, const std::string& key_file,
                                    const std::string& common_name) {
  absl::StatusOr<KeyPtr> ca_key = NewKey();
  if (!ca_key.ok()) return ca_key.status();
  absl::StatusOr<CertPtr> ca =
      NewCertificate("Fake Issuing CA", ca_key->get(), nullptr, ca_key->get());
  if (!ca.ok()) return ca.status();
  absl::StatusOr<KeyPtr> key = NewKey();
  if (!key.ok()) return key.status();
  absl::StatusOr<CertPtr> cert = NewCertificate(common_name, key->get(), ca->get(), ca_key->get());
  if (!cert.ok()) return cert.status();
  if (absl::Status s = WritePem(cert_file, cert->get(), nullptr); !s.ok()) return s;
  return WritePem(key_file, nullptr, key->get());
}

}  // namespace osfleet::fakes

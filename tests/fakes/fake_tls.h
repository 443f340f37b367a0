// The fake SQL Server's TLS identity: a certificate and key in two OpenSSL server contexts,
// one for TLS inside TDS 7.x PRELOGIN and one for TDS 8.0 (TLS first, ALPN "tds/8.0" or a
// handshake alert). Also writes a CA-issued certificate for tests of a shared certificate.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "agent/probe/tds_tls.h"

namespace osfleet::fakes {

struct FakeTlsIdentity {
  agent::tls::SslCtxPtr tds7;  // any ALPN or none
  agent::tls::SslCtxPtr tds8;  // refuses a ClientHello without ALPN tds/8.0
};

// What SQL Server does without a configured certificate: a self-signed certificate made
// now (CN=SSL_Self_Signed_Fallback, random serial, EC P-256, SHA-256), new on each call.
absl::StatusOr<FakeTlsIdentity> MakeFallbackIdentity();

// A configured certificate: PEM files of the certificate and its private key.
absl::StatusOr<FakeTlsIdentity> LoadIdentity(const std::string& cert_file,
                                             const std::string& key_file);

// Writes a certificate for `common_name` issued by a throwaway CA ("CN=Fake Issuing CA"),
// and its key, as PEM files: a CA-issued certificate several instances can share.
absl::Status WriteIssuedCertificate(const std::string& cert_file, const std::string& key_file,
                                    const std::string& common_name);

}  // namespace osfleet::fakes

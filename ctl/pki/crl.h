// Certificate revocation lists of the fleet CA: signing a v2 X509_CRL (crlNumber,
// authorityKeyIdentifier, SHA-256) and reading one back, with libcrypto.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ctl/pki/openssl_util.h"

namespace osfleet::ctl::pki {

struct RevokedCertificate {
  std::string serial;  // upper-case hex, no leading zeros
  absl::Time revoked_at;
  std::string name;     // the holder's CN when known (osctl's record only; not in the CRL)
  std::string subject;  // RFC 2253 when known (osctl's record only)
};

struct CrlSpec {
  int64_t number = 1;  // crlNumber, one more than the previous CRL's
  absl::Time this_update;
  absl::Time next_update;
  std::vector<RevokedCertificate> revoked;
};

// What a CRL says.
struct CrlInfo {
  std::string issuer;   // RFC 2253
  int64_t number = -1;  // -1: no crlNumber
  absl::Time this_update;
  absl::Time next_update = absl::InfiniteFuture();  // none: never
  std::vector<RevokedCertificate> revoked;          // serial and date
};

// The CRL signed by `ca` with `ca_key`, as PEM ("-----BEGIN X509 CRL-----").
absl::StatusOr<std::string> SignCrlPem(const CrlSpec& spec, X509* ca, EVP_PKEY* ca_key);

// The first CRL of a PEM text. FAILED_PRECONDITION naming `source` when there is none.
// `ca` non-null: the CRL must also be signed by it (FAILED_PRECONDITION otherwise).
absl::StatusOr<CrlInfo> ReadCrlPem(absl::string_view pem, absl::string_view source, X509* ca);

// "8f:3A:..", "0x8F3A", "8f3a" -> "8F3A". INVALID_ARGUMENT unless 1..40 hex digits.
absl::StatusOr<std::string> NormalizeSerial(absl::string_view text);

}  // namespace osfleet::ctl::pki

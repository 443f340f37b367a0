// The certificates an agent refuses: the serials of every X509 CRL in one PEM file (several
// during a CA rotation), each CRL checked to be signed by a CA of the agent's tls.ca bundle.
// Immutable once parsed; looking a certificate up is a hash lookup (no I/O, no locks).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace osfleet::agent {

struct Revocation {
  absl::Time revoked_at;
  int64_t crl_number = -1;  // of the CRL that lists it; -1: none
};

class RevocationList {
 public:
  // Every "-----BEGIN X509 CRL-----" block of crl_pem. INVALID_ARGUMENT naming `source`
  // when there is none or one does not parse; PERMISSION_DENIED when a CRL's issuer is no CA
  // of ca_bundle_pem, that CA may not sign CRLs (keyUsage without cRLSign) or the signature
  // does not verify with its key.
  static absl::StatusOr<RevocationList> Parse(absl::string_view crl_pem, absl::string_view source,
                                              absl::string_view ca_bundle_pem);

  // Set when `cert` (issuer name and serial) is listed.
  std::optional<Revocation> Find(X509* cert) const;

  size_t size() const { return revoked_.size(); }
  int64_t number() const { return number_; }               // the highest crlNumber; -1: none
  absl::Time next_update() const { return next_update_; }  // the earliest; infinite: none
  // "CRL #3 from CN=osfleet fleet CA, 2 revoked certificates, next update 2025-01-31T..Z".
  std::string Summary() const;

 private:
  void Add(X509_CRL* crl);

  // issuer name (DER) + '/' + serial (hex) -> when.
  std::unordered_map<std::string, Revocation> revoked_;
  int64_t number_ = -1;
  absl::Time next_update_ = absl::InfiniteFuture();
  std::string issuers_;
};

}  // namespace osfleet::agent

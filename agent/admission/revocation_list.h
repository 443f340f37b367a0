// The certificates an agent refuses: the serials of every X509 CRL in one PEM file (several
// during a CA rotation), each CRL checked to be signed by a CA of the agent's tls.ca bundle.
// Immutable once parsed; looking a certificate up is a hash lookup (no I/O, no locks).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <map>
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

// How recent one issuer's CRL is. CRLs never go back: one older than the CRL of the same
// issuer already in force is refused (replaying it would un-revoke certificates).
struct CrlVersion {
  std::string issuer;   // RFC 2253, for messages
  int64_t number = -1;  // crlNumber; -1: none
  absl::Time this_update = absl::InfinitePast();
  // "CRL #2 from CN=osfleet fleet CA (thisUpdate 2026-12-07T05:00:00Z)".
  std::string Describe() const;
};

// True when `candidate` is older than `in_force`: a lower CRL number, or, when the numbers
// are equal or either is missing, an earlier thisUpdate.
bool IsOlderCrl(const CrlVersion& candidate, const CrlVersion& in_force);

// By issuer name (DER): the newest CRL seen of each issuer.
using CrlVersions = std::map<std::string, CrlVersion>;

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
  // The newest CRL of each issuer in this list.
  const CrlVersions& versions() const { return versions_; }
  // FAILED_PRECONDITION "SOURCE: CRL #1 from X (thisUpdate ..) is older than CRL #2 from X
  // (thisUpdate ..) already in force ..." when a CRL of this list is older than the one of
  // the same issuer in `in_force`.
  absl::Status CheckNotOlderThan(const CrlVersions& in_force, absl::string_view source) const;

 private:
  void Add(X509_CRL* crl);

  // issuer name (DER) + '/' + serial (hex) -> when.
  std::unordered_map<std::string, Revocation> revoked_;
  int64_t number_ = -1;
  absl::Time next_update_ = absl::InfiniteFuture();
  std::string issuers_;
  CrlVersions versions_;
};

}  // namespace osfleet::agent

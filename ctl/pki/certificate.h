// X.509 certificates of the fleet PKI: what goes into one (CertificateSpec), signing it
// with libcrypto, and PEM in and out.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ctl/pki/openssl_util.h"

namespace osfleet::ctl::pki {

struct CertificateSpec {
  std::string common_name;
  std::string organizational_unit;  // empty: none ("osfleet:agent", "osfleet:operator", ...)
  // CA: basicConstraints critical CA:TRUE,pathlen:0; keyUsage critical keyCertSign,cRLSign.
  // Leaf: basicConstraints critical CA:FALSE; keyUsage critical digitalSignature; AKI.
  bool is_ca = false;
  std::vector<std::string> subject_alt_names;  // "DNS:dc01", "IP:10.0.0.5"
  std::string extended_key_usage;              // "serverAuth,clientAuth"; empty: none
  absl::Time not_before;
  absl::Time not_after;
};

// Signs a v3 certificate for `subject_key`'s public key with a random 128-bit serial,
// SHA-256 and a subjectKeyIdentifier. issuer == nullptr: self-signed with subject_key.
// INVALID_ARGUMENT, signing nothing, for what agents refuse: a blank CN, an OU that looks
// like a role but is not one, a CA certificate with a role OU.
absl::StatusOr<X509Ptr> SignCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                        X509* issuer, EVP_PKEY* issuer_key);

absl::StatusOr<std::string> CertificateToPem(X509* cert);

// The first certificate of a PEM file. FAILED_PRECONDITION naming `source` when there is
// none.
absl::StatusOr<X509Ptr> ParseCertificatePem(absl::string_view pem, absl::string_view source);

}  // namespace osfleet::ctl::pki

// Checks of one end's own TLS files before they are used (the agent at start, osctl before
// it dials): the private key belongs to the certificate, and the certificate is valid now.
// gRPC would otherwise accept either mistake silently and fail every handshake later.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/api/tls_files.h"

namespace osfleet {

// When the first certificate of a PEM file may be used.
struct CertificateValidity {
  absl::Time not_before;
  absl::Time not_after;
};

// The validity of the first certificate in cert_pem (read from --tls-cert at cert_path).
// INVALID_ARGUMENT "--tls-cert PATH: not a readable PEM certificate" when it does not parse.
absl::StatusOr<CertificateValidity> ReadValidity(const std::string& cert_path,
                                                 const std::string& cert_pem);

// FAILED_PRECONDITION when key_pem is not the private key of the first certificate in
// cert_pem: "--tls-key KEY does not belong to the certificate in --tls-cert CERT (their public
// keys differ); <fix>". INVALID_ARGUMENT when either does not parse (an encrypted key too).
absl::Status CheckKeyMatchesCertificate(const TlsFiles& files, const std::string& cert_pem,
                                        const std::string& key_pem, absl::string_view fix);

// What is wrong with the validity at `now`: "expired on 2026-01-02 03:04 UTC",
// "is not valid before 2026-01-02 03:04 UTC"; empty when it is valid.
std::string ValidityProblem(const CertificateValidity& validity, absl::Time now);

// True when the certificate has expired at `now` (its not_after is past).
bool Expired(const CertificateValidity& validity, absl::Time now);

// "2026-01-02 03:04 UTC".
std::string CertificateTime(absl::Time t);

// `osctl doctor`'s verdict on a certificate (the agent's and osctl's own): unusable when it
// has expired or is not valid yet at `now` (every peer refuses it), expiring soon within
// kCertificateWarnWithin, valid otherwise. The reason gives the date and the whole days
// left: "valid until 2027-01-02 03:04 UTC (391 days left)".
inline constexpr absl::Duration kCertificateWarnWithin = absl::Hours(30 * 24);
enum class CertificateHealth { kValid, kExpiresSoon, kUnusable };
struct CertificateVerdict {
  CertificateHealth health = CertificateHealth::kValid;
  int64_t days_left = 0;  // whole days until not_after; negative once expired
  std::string reason;
};
CertificateVerdict JudgeCertificate(const CertificateValidity& validity, absl::Time now);

}  // namespace osfleet

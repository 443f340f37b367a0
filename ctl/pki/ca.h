// The fleet CA of a PKI folder: ca.pem and ca.key loaded, matched and checked usable, for
// everything that signs with it (certificates, CRLs).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ctl/pki/certificate_info.h"
#include "ctl/pki/openssl_util.h"

namespace osfleet::ctl::pki {

// Start times (notBefore, a CRL's thisUpdate) lie this far in the past, so servers whose
// clock is a little behind the workstation's accept what was signed a moment ago.
inline constexpr absl::Duration kClockSkew = absl::Minutes(5);

struct Ca {
  X509Ptr cert;
  KeyPtr key;
  CertificateInfo info;
};

// DIR/ca.pem and DIR/ca.key. FAILED_PRECONDITION naming the file when one is missing or
// unreadable, the key is not the certificate's, it is not a CA or it has expired.
absl::StatusOr<Ca> LoadCa(const std::string& dir);

// "2026-01-02".
std::string Day(absl::Time t);

}  // namespace osfleet::ctl::pki

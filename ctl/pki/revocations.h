// osctl's record of what the fleet CA revoked: DIR/revoked.json, the source every new CRL
// is signed from, so that repeated `pki revoke` runs accumulate and crlNumber only grows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ctl/pki/crl.h"

namespace osfleet::ctl::pki {

inline constexpr char kRevocationsFile[] = "revoked.json";
inline constexpr char kCrlFile[] = "crl.pem";

struct Revocations {
  int64_t crl_number = 0;  // of the last CRL signed; 0: none yet
  std::vector<RevokedCertificate> revoked;
};

// DIR/revoked.json; an empty record when it does not exist. FAILED_PRECONDITION naming
// the file when it cannot be read or is not such a record.
absl::StatusOr<Revocations> LoadRevocations(const std::string& dir);

// Replaces DIR/revoked.json atomically (mode 0644).
absl::Status SaveRevocations(const std::string& dir, const Revocations& revocations);

// The entry for `serial`, or nullptr.
const RevokedCertificate* FindRevoked(const Revocations& revocations, const std::string& serial);

}  // namespace osfleet::ctl::pki

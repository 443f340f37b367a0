// The PKI folder on disk: created private (0700), nothing overwritten unless asked, keys
// written 0600 and certificates 0644, each file replaced atomically.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/platform/files.h"

namespace osfleet::ctl::pki {

inline constexpr platform::FileMode kKeyMode = 0600;
inline constexpr platform::FileMode kCertificateMode = 0644;

// Creates dir and any missing parents; the folders it creates get mode 0700. An existing
// dir is left as it is. FAILED_PRECONDITION naming the path when that fails.
absl::Status EnsurePrivateDir(const std::string& dir);

// FAILED_PRECONDITION naming the first of `paths` that exists, unless force.
absl::Status RefuseToOverwrite(const std::vector<std::string>& paths, bool force);

// A private key (mode 0600, also when it replaces a file with another mode) and then its
// certificate (0644). If the certificate cannot be written, a key file this call created
// is removed again.
absl::Status WriteKeyAndCertificate(const std::string& key_path, const std::string& key_pem,
                                    const std::string& cert_path, const std::string& cert_pem);

// "<dir>/<file>".
std::string PathIn(const std::string& dir, const std::string& file);

}  // namespace osfleet::ctl::pki

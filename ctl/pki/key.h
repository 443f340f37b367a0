// Private keys of the fleet PKI: EC P-256, stored as unencrypted PKCS#8 PEM.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ctl/pki/openssl_util.h"

namespace osfleet::ctl::pki {

// A fresh EC P-256 key pair from the OpenSSL CSPRNG.
absl::StatusOr<KeyPtr> GenerateP256Key();

// "-----BEGIN PRIVATE KEY-----" (PKCS#8, unencrypted).
absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key);

// Parses a PEM private key (PKCS#8 or traditional); never prompts for a passphrase.
// FAILED_PRECONDITION naming `source` when it is not an unencrypted private key.
absl::StatusOr<KeyPtr> ParsePrivateKeyPem(absl::string_view pem, absl::string_view source);

}  // namespace osfleet::ctl::pki

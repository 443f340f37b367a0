#include "ctl/pki/key.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "absl/strings/str_cat.h"

namespace osfleet::ctl::pki {
namespace {

// Refuses to ask for a passphrase: osctl never prompts on a terminal for one.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

}  // namespace

absl::StatusOr<KeyPtr> GenerateP256Key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("generating an EC P-256 key");
  return key;
}

absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("encoding the private key as PKCS#8 PEM");
  }
  return BioContents(bio.get());
}

absl::StatusOr<KeyPtr> ParsePrivateKeyPem(absl::string_view pem, absl::string_view source) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("reading a private key");
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(source, ": not an unencrypted PEM private key"));
  }
  return key;
}

}  // namespace osfleet::ctl::pki

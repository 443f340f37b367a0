// Owning pointers for libcrypto objects and the text of libcrypto's error queue, so the
// PKI code frees everything on every path and says why OpenSSL refused.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace osfleet::ctl::pki {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, Free>>;

using KeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;

inline void FreeBio(BIO* b) { BIO_free_all(b); }
using BioPtr = OpenSslPtr<BIO, FreeBio>;

// INTERNAL: "<what>: <libcrypto's reason>" (and clears the error queue).
absl::Status OpenSslError(absl::string_view what);

// The bytes a memory BIO holds.
std::string BioContents(BIO* bio);

}  // namespace osfleet::ctl::pki

#include "common/model/revision.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace osfleet {

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest fails only on allocation failure or a broken OpenSSL: an invariant.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0F]);
  }
  return out;
}

std::string ShortRevision(absl::string_view revision) {
  return std::string(revision.substr(0, 12));
}

std::string RevisionConflict(absl::string_view actual, absl::string_view expected) {
  return absl::StrCat("revision conflict: server.hsconf is at revision ", actual,
                      ", not at the expected ", expected,
                      "; it changed since it was read: read it again");
}

}  // namespace osfleet

#include "ctl/pki/openssl_util.h"

#include <openssl/err.h>

#include "absl/strings/str_cat.h"

namespace osfleet::ctl::pki {

absl::Status OpenSslError(absl::string_view what) {
  std::string reason;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (reason.empty()) reason = buf;  // the first error is the root cause
  }
  if (reason.empty()) reason = "unknown OpenSSL error";
  return absl::InternalError(absl::StrCat(what, ": ", reason));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

}  // namespace osfleet::ctl::pki

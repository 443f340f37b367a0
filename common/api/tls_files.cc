#include "common/api/tls_files.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"

namespace osfleet {

absl::StatusOr<std::string> LoadPem(absl::string_view flag, const std::string& path,
                                    absl::string_view kind) {
  absl::StatusOr<std::string> pem = ReadFileCapped(path, 1 << 20);
  if (!pem.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " ", pem.status().message()));
  }
  const size_t begin = pem->find("-----BEGIN ");
  const size_t line_end = pem->find("-----", begin == std::string::npos ? 0 : begin + 11);
  if (begin == std::string::npos || line_end == std::string::npos ||
      !absl::StrContains(absl::string_view(*pem).substr(begin, line_end - begin), kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": no PEM ", kind, " block in the file"));
  }
  return pem;
}

}  // namespace osfleet

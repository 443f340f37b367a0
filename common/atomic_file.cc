#include "common/atomic_file.h"

#include <string_view>

#include "common/os_status.h"

namespace osfleet {

absl::StatusOr<std::string> ReadFileCapped(const std::string& path, size_t max_bytes) {
  return ToStatusOr(platform::ReadFileCapped(path, max_bytes));
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes,
                                 const AtomicWriteOptions& options) {
  return ToStatus(
      platform::ReplaceFileAtomically(path, std::string_view(bytes.data(), bytes.size()), options));
}

absl::Status MakeDirs(const std::string& path, platform::FileMode mode) {
  platform::Result<void> made = platform::MakeDirs(path, mode);
  if (!made.ok()) return absl::FailedPreconditionError(made.error().Message());
  return absl::OkStatus();
}

}  // namespace osfleet

#include "common/platform/descriptors.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>

#include "common/platform/posix/errno_error.h"

namespace osfleet::platform {
namespace {

std::uint64_t Clamp(rlim_t value) {
  if (value == RLIM_INFINITY) return kMaxDescriptorLimit;
  return std::min<std::uint64_t>(value, kMaxDescriptorLimit);
}

}  // namespace

Result<DescriptorLimit> GetDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return posix::ErrnoError(errno, "reading the descriptor limit (RLIMIT_NOFILE)");
  }
  return DescriptorLimit{Clamp(limit.rlim_cur), Clamp(limit.rlim_max)};
}

Result<DescriptorLimit> RaiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return posix::ErrnoError(errno, "reading the descriptor limit (RLIMIT_NOFILE)");
  }
  const rlim_t wanted = static_cast<rlim_t>(Clamp(limit.rlim_max));
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return GetDescriptorLimit();
  limit.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return posix::ErrnoError(errno, "raising the descriptor limit (RLIMIT_NOFILE)");
  }
  return GetDescriptorLimit();
}

}  // namespace osfleet::platform

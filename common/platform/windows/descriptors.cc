#include "common/platform/descriptors.h"

#include <stdio.h>

namespace osfleet::platform {

// Windows has no per-process descriptor limit for HANDLEs and sockets (they are bounded
// by memory, 2^24 per process); the C runtime's table of descriptors is the one limit,
// _getmaxstdio / _setmaxstdio (512 at start, at most 8192).
namespace {
constexpr int kCrtMaxStdio = 8192;
}

Result<DescriptorLimit> GetDescriptorLimit() {
  return DescriptorLimit{static_cast<std::uint64_t>(_getmaxstdio()),
                         static_cast<std::uint64_t>(kCrtMaxStdio)};
}

Result<DescriptorLimit> RaiseDescriptorLimit() {
  // Best effort: a C runtime that refuses keeps its limit, which is still reported.
  if (_getmaxstdio() < kCrtMaxStdio) _setmaxstdio(kCrtMaxStdio);
  return GetDescriptorLimit();
}

}  // namespace osfleet::platform

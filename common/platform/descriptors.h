// The process's descriptor budget (RLIMIT_NOFILE on POSIX): read it, and raise the soft
// limit to the hard one at start-up, so that a default soft limit of 1024 does not cap a
// daemon that the administrator (or systemd's LimitNOFILE) allows more.
#pragma once

#include <cstdint>

#include "common/platform/result.h"

namespace osfleet::platform {

struct DescriptorLimit {
  std::uint64_t soft = 0;  // descriptors numbered below this can be opened
  std::uint64_t hard = 0;  // the most the soft limit may be raised to
};

// Never raised beyond this many, even with an unlimited hard limit.
constexpr std::uint64_t kMaxDescriptorLimit = std::uint64_t{1} << 20;

Result<DescriptorLimit> GetDescriptorLimit();
// Sets the soft limit to the hard one (at most kMaxDescriptorLimit); the limits now.
Result<DescriptorLimit> RaiseDescriptorLimit();

}  // namespace osfleet::platform

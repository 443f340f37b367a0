// What a test may assert about a child's memory in either of ./run test's builds.
#pragma once

#include <cstdint>

namespace osfleet::testing {

// True in the AddressSanitizer build (./run test's second pass): its allocator keeps freed
// blocks in a 256 MB quarantine, ignores glibc's tunables, and its shadow memory adds to
// every process's peak.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// A bound on osctl's peak memory that tells a bounded osctl (~20 MB; ~550 MB under ASan)
// from one that keeps every streamed event (6.3 GB in 60 s in issue 26).
inline constexpr int64_t kOsctlMemoryBoundKiB = (kAddressSanitizer ? 1024 : 200) * 1024;

}  // namespace osfleet::testing

#include "common/platform/core_dumps.h"

#include <sys/resource.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstdlib>
#include <string>

#include "common/platform/posix/errno_error.h"

namespace osfleet::platform {

Result<void> DisableCoreDumps() {
  const rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    return posix::ErrnoError(errno, "setting the core file size limit to 0");
  }
#if defined(__linux__)
  // Also what a core_pattern pipe (systemd-coredump, apport) would otherwise still get.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return posix::ErrnoError(errno, "prctl(PR_SET_DUMPABLE, 0)");
  }
#endif
  return {};
}

void ScrubFreedMemory(char** argv) {
#if defined(__GLIBC__) && defined(__linux__)
  constexpr const char* kTunables = "glibc.malloc.tcache_count=0:glibc.malloc.perturb=165";
  const char* current = std::getenv("GLIBC_TUNABLES");
  const std::string now = current == nullptr ? "" : current;
  if (now.find(kTunables) != std::string::npos) return;  // already running with them
  const std::string wanted = now.empty() ? kTunables : now + ":" + kTunables;
  if (setenv("GLIBC_TUNABLES", wanted.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Could not: run on without them (the agent's own copies are still wiped).
  if (current == nullptr) {
    unsetenv("GLIBC_TUNABLES");
  } else {
    setenv("GLIBC_TUNABLES", current, 1);
  }
#else
  (void)argv;
#endif
}

}  // namespace osfleet::platform

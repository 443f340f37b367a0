#include "common/platform/host_info.h"

#include <sys/utsname.h>
#include <unistd.h>

namespace osfleet::platform {

std::string OperatingSystem() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

long CurrentProcessId() { return static_cast<long>(getpid()); }

}  // namespace osfleet::platform

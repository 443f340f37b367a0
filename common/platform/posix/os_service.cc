#include "common/platform/os_service.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace osfleet::platform {
namespace {

Error NotHere(const std::string& what) {
  return Error{make_error_code(Errc::kInvalidArgument),
               what +
                   " is for Windows; on Linux systemd runs osagent as it is "
                   "(packaging/osagent.service, docs/operations.md)"};
}

Error Errno(std::string what) {
  return Error{std::error_code(errno, std::generic_category()), std::move(what)};
}

}  // namespace

Result<void> ServiceManagerAvailable(const std::string& command) { return NotHere(command); }

Result<Installed> InstallService(const ServiceRegistration&) {
  return NotHere("osagent service install");
}

Result<bool> UninstallService(const std::string&, std::chrono::milliseconds) {
  return NotHere("osagent service uninstall");
}

Result<int> RunAsService(const std::string&, const ServiceBody&) {
  return NotHere("osagent service run");
}

Result<std::string> ProgramPath() {
  char buffer[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n < 0) return Errno("reading /proc/self/exe");
  return std::string(buffer, static_cast<std::size_t>(n));
}

Result<std::string> AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buffer[PATH_MAX];
  if (getcwd(buffer, sizeof(buffer)) == nullptr) return Errno("reading the current folder");
  return std::string(buffer) + "/" + path;
}

}  // namespace osfleet::platform

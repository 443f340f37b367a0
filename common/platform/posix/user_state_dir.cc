#include "common/platform/user_state_dir.h"

#include <cstdlib>

#include "common/platform/path_join.h"

namespace osfleet::platform {
namespace {

// The variable's value, empty when unset.
std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

Result<std::string> UserStateDir() {
  if (std::string dir = Env("OSFLEET_STATE_DIR"); !dir.empty()) return dir;
  if (std::string xdg = Env("XDG_STATE_HOME"); !xdg.empty()) return JoinPath(xdg, "osfleet");
  const char* home = std::getenv("HOME");
  return std::string(home == nullptr ? "/tmp" : home) + "/.local/state/osfleet";
}

std::vector<std::string> OldUserStateDirs() { return {}; }

}  // namespace osfleet::platform

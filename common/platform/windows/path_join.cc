#include "common/platform/path_join.h"

#include "common/platform/windows/win32.h"

namespace osfleet::platform {

std::string JoinPath(const std::string& folder, const std::string& name) {
  return win::JoinPath(folder, name);
}

bool IsPathSeparator(char c) { return win::IsSeparator(c); }

}  // namespace osfleet::platform

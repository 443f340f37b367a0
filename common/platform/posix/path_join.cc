#include "common/platform/path_join.h"

namespace osfleet::platform {

std::string JoinPath(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  if (folder.back() == '/') return folder + name;
  return folder + "/" + name;
}

bool IsPathSeparator(char c) { return c == '/'; }

}  // namespace osfleet::platform

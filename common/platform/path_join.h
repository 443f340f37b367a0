// Paths built in the OS's own way: "C:\Users\op\AppData\Local\osfleet\rollouts\X.json" on
// Windows, "/home/op/.local/state/osfleet/rollouts/X.json" on POSIX.
#pragma once

#include <string>

namespace osfleet::platform {

// folder + the OS's separator + name, without a doubled separator; name alone when folder
// is empty.
std::string JoinPath(const std::string& folder, const std::string& name);

// Whether c separates folders in a path: '/' on POSIX; '\' and '/' on Windows.
bool IsPathSeparator(char c);

}  // namespace osfleet::platform

// Whether a `command:` program is named by an absolute path — the one rule for every
// program the agent runs (services' `process` backend, the Configuration Tool, the
// Service Center command driver), whatever the OS it is read on: a config written for a
// Windows server is checked the same way on a workstation.
#pragma once

#include "absl/strings/string_view.h"

namespace osfleet {

// "/usr/bin/x"; "C:\Program Files\x.exe" or "C:/x"; "\\server\share\x" (a UNC path, with
// a server, a share and a file); "\\?\C:\x" (Windows' long-path form of a drive path).
bool IsAbsoluteProgramPath(absl::string_view path);

}  // namespace osfleet

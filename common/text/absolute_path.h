// Whether a path names a file absolutely — the one rule for every path the programs take
// from a config file as written there: a `command:` program (services' `process` backend,
// the Configuration Tool, the Service Center command driver) and osctl's inventory TLS
// files (a relative one is read against the inventory's folder). The same on every OS: a
// config written for a Windows server is checked the same way on Linux, and osctl.exe reads
// an inventory of Windows paths.
#pragma once

#include "absl/strings/string_view.h"

namespace osfleet {

// Absolute: "/usr/bin/x"; "C:\Program Files\x.exe" or "C:/x"; "\\server\share\x" (a UNC
// path, with a server, a share and a file); "\\?\C:\x" (Windows' long-path form of a drive
// path).
// Not: a relative path ("x.exe", "bin\x"); "C:x" (relative to drive C:'s current folder)
// and "\x" (the current drive's root): Windows' CreateProcess resolves both against the
// current folder of the process that runs them, which for the agent's service is not the
// folder the config's author saw; a bare root ("/", "C:\", "C:/", "\\server\share"), which
// names a folder, not a file.
bool IsAbsolutePath(absl::string_view path);

}  // namespace osfleet

// Files and folders that must be this user's alone (a rollout journal and its folder: they
// decide which servers osctl changes and how), checked like a secret before they are read.
#pragma once

#include <string>

#include "common/platform/result.h"

namespace osfleet::platform {

// Why path, a file or folder that must be this user's alone, is not: empty when it is.
// POSIX: it must belong to this process's effective user, and its group and others may
// neither read nor write it ("mode 0644: its group or others may read or write it", "it
// belongs to uid 1001, not to this user (uid 1000)"). Windows: no one but this process's
// account, SYSTEM and Administrators may read or change it. Follows symbolic links.
// Error: "inspecting PATH".
Result<std::string> OwnerOnlyProblem(const std::string& path);

// The command that makes path this user's alone in OwnerOnlyProblem's sense: "chmod 600
// PATH" (a folder: 700) on POSIX, an icacls line on Windows.
std::string MakeOwnerOnlyCommand(const std::string& path, bool folder);

}  // namespace osfleet::platform

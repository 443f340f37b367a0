// `osctl completion powershell`: a Register-ArgumentCompleter -Native script for osctl and
// osctl.exe, from the same command tree (command_tree.h) and with the same --limit callback
// as the bash script. Not run here (no pwsh): its text is tested (every command, balanced).
#pragma once

#include <string>

#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {

// The script, for `osctl completion powershell | Out-String | Invoke-Expression` in $PROFILE.
// `version` goes into its first line.
std::string PowerShellCompletionScript(const CommandNode& root, const std::string& version);

}  // namespace osfleet::ctl

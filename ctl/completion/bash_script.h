// `osctl completion bash`: a bash completion script for the command tree (command_tree.h).
// The tree becomes four lookup functions (subcommands, flags, what an option takes, what a
// command's positional argument is); one function walks the words typed so far through
// them. --limit terms come from `osctl __complete limit`, run with the --inventory already
// on the line, its errors dropped: a broken inventory completes nothing, silently.
#pragma once

#include <string>

#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {

// The script, for `source <(osctl completion bash)`; it registers itself for `osctl` and
// `osctl.exe` (Git Bash). `version` goes into its first line.
std::string BashCompletionScript(const CommandNode& root, const std::string& version);

}  // namespace osfleet::ctl

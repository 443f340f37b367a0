// completion: shell completion scripts made from osctl's own command tree, and the hidden
// `__complete limit` they call back for --limit terms.
#pragma once

#include "ctl/commands/command.h"

namespace osfleet::ctl {

// `completion bash`, `completion powershell` and the hidden `__complete limit [TYPED]`.
// The scripts walk `app` when they are printed (after parsing), so they hold every command
// registered, before this one or after it.
void RegisterCompletion(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace osfleet::ctl

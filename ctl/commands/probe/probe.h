// probe: check database addresses from every server's own network position.
#pragma once

#include "ctl/commands/command.h"

namespace osfleet::ctl {

void RegisterProbe(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace osfleet::ctl

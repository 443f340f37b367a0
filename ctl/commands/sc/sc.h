// sc: the Service Center phase.
#pragma once

#include "ctl/commands/command.h"

namespace osfleet::ctl {

void RegisterServiceCenter(CLI::App& app, const GlobalOptions& global, Action& action);

// sc run (run.cc)
void AddScRun(CLI::App& sc, const GlobalOptions& global, Action& action);

}  // namespace osfleet::ctl

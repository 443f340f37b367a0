// fleet: the fleet as a whole.
#pragma once

#include "ctl/commands/command.h"

namespace osfleet::ctl {

void RegisterFleet(CLI::App& app, const GlobalOptions& global, Action& action);

// fleet status (status.cc)
void AddFleetStatus(CLI::App& fleet, const GlobalOptions& global, Action& action);

}  // namespace osfleet::ctl

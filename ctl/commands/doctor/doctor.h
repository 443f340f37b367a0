// doctor: a read-only check of everything a rollout will touch, on every selected server.
#pragma once

#include "ctl/commands/command.h"

namespace osfleet::ctl {

void RegisterDoctor(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace osfleet::ctl

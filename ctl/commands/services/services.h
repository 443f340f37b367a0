// services: the OutSystems services on each server.
#pragma once

#include "ctl/commands/command.h"

namespace osfleet::ctl {

void RegisterServices(CLI::App& app, const GlobalOptions& global, Action& action);

// services list (list.cc)
void AddServicesList(CLI::App& services, const GlobalOptions& global, Action& action);
// services start | stop | restart [NAME...] (control.cc); verb: "start", "stop", "restart".
void AddServicesControl(CLI::App& services, const GlobalOptions& global, Action& action,
                        const std::string& verb);

}  // namespace osfleet::ctl

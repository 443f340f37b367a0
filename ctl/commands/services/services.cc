#include "ctl/commands/services/services.h"

namespace osfleet::ctl {

void RegisterServices(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* services = app.add_subcommand("services", "the OutSystems services on each server");
  services->require_subcommand(1);
  AddServicesList(*services, global, action);
  for (const char* verb : {"start", "stop", "restart"}) {
    AddServicesControl(*services, global, action, verb);
  }
}

}  // namespace osfleet::ctl

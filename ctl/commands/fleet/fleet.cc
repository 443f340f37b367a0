#include "ctl/commands/fleet/fleet.h"

namespace osfleet::ctl {

void RegisterFleet(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* fleet = app.add_subcommand("fleet", "the fleet as a whole");
  fleet->require_subcommand(1);
  AddFleetStatus(*fleet, global, action);
}

}  // namespace osfleet::ctl

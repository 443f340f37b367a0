#include "ctl/commands/endpoints/endpoints.h"

namespace osfleet::ctl {

void RegisterEndpoints(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* endpoints = app.add_subcommand("endpoints", "the database endpoints in server.hsconf");
  endpoints->require_subcommand(1);
  AddEndpointsGet(*endpoints, global, action);
  AddEndpointsPlan(*endpoints, global, action);
  AddEndpointsSet(*endpoints, global, action);
  AddEndpointsBackups(*endpoints, global, action);
  AddEndpointsConfirm(*endpoints, global, action);
  AddEndpointsRollback(*endpoints, global, action);
  AddEndpointsConnections(*endpoints, global, action);
}

}  // namespace osfleet::ctl

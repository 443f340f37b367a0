// `osagent setup`: writes agent.yaml from a few values when none exists (the MSI runs it
// with its NAME, ROLE, LISTEN, TLSDIR, TLSCERT, TLSKEY, TLSCA and HSCONF properties before it
// registers the service). An existing agent.yaml is kept as it is, and says so.
#pragma once

#include <CLI/CLI.hpp>

#include "agent/agent_yaml/setup_config.h"

namespace osfleet::agent {

// Adds `setup` to app, filling request.
CLI::App* AddSetupCommand(CLI::App& app, SetupRequest& request);

// Prints what it did ("wrote PATH", "kept PATH ...") on stdout, or why not on stderr:
// 0, 2 for a value the agent would refuse, 1 for a file that could not be written.
int RunSetup(const SetupRequest& request);

}  // namespace osfleet::agent

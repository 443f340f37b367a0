// The agent's life once configured, the same in a console and as a Windows service:
// start serving, write the port file, say it is ready, stop cleanly on a stop request
// (platform::StopSignal: SIGTERM/SIGINT, Ctrl-C, the Service Control Manager's stop).
#pragma once

#include <functional>

#include "agent/agent_yaml/agent_config.h"

namespace osfleet::agent {

// Exit codes: 0 after a clean stop, 2 for a config the server refuses, 1 otherwise.
constexpr int kExitUsage = 2;

// Logging must be set up. ready() runs once the port file is written.
int Serve(AgentConfig config, const std::function<void()>& ready);

}  // namespace osfleet::agent

// The agent's TLS material, checked as AgentServer::Start loads it (agent_server.cc).
#pragma once

#include "absl/status/status.h"
#include "agent/agent_yaml/agent_config.h"

namespace osfleet::agent {

// The PEM files, the key private to this account, the certificate against the key and the
// clock, with the messages the agent gives at start: `osagent setup` checks them before it
// writes agent.yaml. OK for an insecure config.
absl::Status CheckServerTls(const AgentConfig& config);

}  // namespace osfleet::agent

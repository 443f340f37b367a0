// Services that run on another server.hsconf than the file: OutSystems services read it
// only when they start, so a file changed or restored without a restart leaves them on the
// addresses they started with. Said the same way by fleet status and rollout status.
#pragma once

#include <string>
#include <vector>

#include "osfleet/v1/agent.pb.h"

namespace osfleet::ctl {

// The running services of `info` not started on its current revision (or on one the agent
// cannot tell); empty when none.
std::vector<std::string> LaggingServices(const v1::AgentInfo& info);

// "" when every running service runs on the file as it is; else one line for `server`,
// e.g. "fe01: OutSystems Deployment Service runs on revision 5e1f… (server.hsconf is at
// 9a0c…); restart: osctl services restart --limit fe01".
std::string ServicesLagLine(const std::string& server, const v1::AgentInfo& info);

}  // namespace osfleet::ctl

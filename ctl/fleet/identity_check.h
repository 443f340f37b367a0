// Is each server what the inventory says it is? Every command that changes something asks
// each agent (Agent.GetInfo: its name and role, one concurrent fan-out) and refuses, before
// anything changes, when an entry points at another agent (names swapped, a wrong port,
// --insecure with no certificate to tell them apart) or names the wrong role: otherwise a
// Front-End would run the Deployment Controller's steps and the restart order would break.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ctl/fleet/context.h"
#include "ctl/rpc/fanout.h"
#include "osfleet/v1/agent.pb.h"

namespace osfleet::ctl {

// One line per server whose agent answered with another name or role, e.g. "dc01: the
// inventory says deployment_controller, its agent (named fe01) says front_end". A server
// that did not answer is not judged here: the command's own call to it reports that.
std::vector<std::string> IdentityMismatches(const std::vector<HostReply<v1::AgentInfo>>& info);

// INVALID_ARGUMENT (exit 2) naming every mismatch; OK when there is none.
absl::Status CheckIdentities(const std::vector<HostReply<v1::AgentInfo>>& info);

// Asks every selected server's agent (one concurrent GetInfo fan-out) and checks it.
absl::Status CheckFleetIdentities(const FleetContext& ctx);

}  // namespace osfleet::ctl

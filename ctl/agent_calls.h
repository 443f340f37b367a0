// Each agent RPC as a fleet-wide fan-out: one typed call per RPC, used by the commands.
#pragma once

#include <string>
#include <vector>

#include "ctl/fanout.h"
#include "osfleet/v1/agent.grpc.pb.h"
#include "osfleet/v1/endpoints.grpc.pb.h"

namespace osfleet::ctl {

std::vector<HostReply<v1::AgentInfo>> CallGetInfo(const std::vector<Target>& targets,
                                                  const FanOutOptions& options);

std::vector<HostReply<v1::GetEndpointsResponse>> CallGetEndpoints(
    const std::vector<Target>& targets, const FanOutOptions& options);

std::vector<HostReply<v1::PlanEndpointsResponse>> CallPlan(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::EndpointChange>& changes);

// expected_revisions[i] is the revision target i was planned against (CAS).
std::vector<HostReply<v1::SetEndpointsResponse>> CallSet(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::EndpointChange>& changes,
    const std::vector<std::string>& expected_revisions, const std::string& reason);

std::vector<HostReply<v1::ListBackupsResponse>> CallListBackups(const std::vector<Target>& targets,
                                                                const FanOutOptions& options);

}  // namespace osfleet::ctl

// Each agent RPC as a fleet-wide fan-out: one typed call per RPC, used by the commands.
#pragma once

#include <string>
#include <vector>

#include "ctl/rpc/fanout.h"
#include "ctl/rpc/stream_fanout.h"
#include "osfleet/v1/agent.grpc.pb.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"

namespace osfleet::ctl {

std::vector<HostReply<v1::AgentInfo>> CallGetInfo(const std::vector<Target>& targets,
                                                  const FanOutOptions& options);

// What each agent is doing now (its long steps in progress): the heartbeats' source.
std::vector<HostReply<v1::GetActivityResponse>> CallGetActivity(const std::vector<Target>& targets,
                                                                const FanOutOptions& options);

// osctl doctor: every agent's read-only checks.
std::vector<HostReply<v1::CheckResponse>> CallCheck(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const OnReply<v1::CheckResponse>& on_reply = nullptr);

std::vector<HostReply<v1::GetEndpointsResponse>> CallGetEndpoints(
    const std::vector<Target>& targets, const FanOutOptions& options);

std::vector<HostReply<v1::PlanEndpointsResponse>> CallPlan(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::EndpointChange>& changes,
    v1::AdvancedSettingsChoice advanced_settings = v1::ADVANCED_SETTINGS_REFUSE);

// requests[i] goes to targets[i] (each carries the revision that target was planned
// against, for CAS).
std::vector<HostReply<v1::SetEndpointsResponse>> CallSet(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::SetEndpointsRequest>& requests,
    const OnReply<v1::SetEndpointsResponse>& on_reply = nullptr);

// requests[i] goes to targets[i]: restart for the change pending there.
std::vector<HostReply<v1::SetEndpointsResponse>> CallRestart(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::RestartChangeRequest>& requests);

std::vector<HostReply<v1::ConfirmResponse>> CallConfirm(const std::vector<Target>& targets,
                                                        const FanOutOptions& options,
                                                        const std::vector<std::string>& change_ids);

// requests[i] goes to targets[i].
std::vector<HostReply<v1::RenewResponse>> CallRenew(const std::vector<Target>& targets,
                                                    const FanOutOptions& options,
                                                    const std::vector<v1::RenewRequest>& requests);

std::vector<HostReply<v1::RollbackResponse>> CallRollback(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::RollbackRequest>& requests);

// The fleet-wide hold, on the Deployment Controller's agent (one target each).
HostReply<v1::HoldResponse> CallTakeHold(const Target& target, const FanOutOptions& options,
                                         const v1::TakeHoldRequest& request);
HostReply<v1::HoldResponse> CallRenewHold(const Target& target, const FanOutOptions& options,
                                          const v1::RenewHoldRequest& request);
HostReply<v1::ReleaseHoldResponse> CallReleaseHold(const Target& target,
                                                   const FanOutOptions& options,
                                                   const v1::ReleaseHoldRequest& request);

std::vector<HostReply<v1::ProbeResponse>> CallProbe(const std::vector<Target>& targets,
                                                    const FanOutOptions& options,
                                                    const v1::ProbeRequest& request);

// What on each server still has an established TCP connection to request.address (resolved
// by each agent on its own server), with the owning process: one concurrent call per target.
std::vector<HostReply<v1::ConnectionsResponse>> CallConnections(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const v1::ConnectionsRequest& request);

std::vector<HostReply<v1::ListServicesResponse>> CallListServices(
    const std::vector<Target>& targets, const FanOutOptions& options);

std::vector<HostStream<v1::ServiceEvent>> CallControlServices(
    const std::vector<Target>& targets, const FanOutOptions& options, const StreamOptions& stream,
    const v1::ControlServicesRequest& request,
    const std::function<void(size_t, const v1::ServiceEvent&)>& on_event);

std::vector<HostReply<v1::ListBackupsResponse>> CallListBackups(const std::vector<Target>& targets,
                                                                const FanOutOptions& options);

std::vector<HostStream<v1::PhaseEvent>> CallRunPhase(
    const std::vector<Target>& targets, const FanOutOptions& options, const StreamOptions& stream,
    const v1::RunPhaseRequest& request,
    const std::function<void(size_t, const v1::PhaseEvent&)>& on_event);

}  // namespace osfleet::ctl

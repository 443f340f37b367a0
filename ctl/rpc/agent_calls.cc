#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {

using v1::Agent;
using v1::Endpoints;

std::vector<HostReply<v1::AgentInfo>> CallGetInfo(const std::vector<Target>& targets,
                                                  const FanOutOptions& options) {
  return FanOut<Agent::Stub, v1::GetInfoRequest, v1::AgentInfo>(
      targets, options, [](size_t) { return v1::GetInfoRequest(); },
      [](Agent::Stub* rpc, grpc::ClientContext* ctx, const v1::GetInfoRequest* req,
         v1::AgentInfo* resp,
         DoneFn done) { rpc->async()->GetInfo(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::GetActivityResponse>> CallGetActivity(const std::vector<Target>& targets,
                                                                const FanOutOptions& options) {
  return FanOut<Agent::Stub, v1::GetActivityRequest, v1::GetActivityResponse>(
      targets, options, [](size_t) { return v1::GetActivityRequest(); },
      [](Agent::Stub* rpc, grpc::ClientContext* ctx, const v1::GetActivityRequest* req,
         v1::GetActivityResponse* resp,
         DoneFn done) { rpc->async()->GetActivity(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::CheckResponse>> CallCheck(const std::vector<Target>& targets,
                                                    const FanOutOptions& options,
                                                    const OnReply<v1::CheckResponse>& on_reply) {
  return FanOut<Agent::Stub, v1::CheckRequest, v1::CheckResponse>(
      targets, options, [](size_t) { return v1::CheckRequest(); },
      [](Agent::Stub* rpc, grpc::ClientContext* ctx, const v1::CheckRequest* req,
         v1::CheckResponse* resp,
         DoneFn done) { rpc->async()->Check(ctx, req, resp, std::move(done)); },
      on_reply);
}

std::vector<HostReply<v1::GetEndpointsResponse>> CallGetEndpoints(
    const std::vector<Target>& targets, const FanOutOptions& options) {
  return FanOut<Endpoints::Stub, v1::GetEndpointsRequest, v1::GetEndpointsResponse>(
      targets, options, [](size_t) { return v1::GetEndpointsRequest(); },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::GetEndpointsRequest* req,
         v1::GetEndpointsResponse* resp,
         DoneFn done) { rpc->async()->Get(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::PlanEndpointsResponse>> CallPlan(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::EndpointChange>& changes, v1::AdvancedSettingsChoice advanced_settings) {
  return FanOut<Endpoints::Stub, v1::PlanEndpointsRequest, v1::PlanEndpointsResponse>(
      targets, options,
      [&changes, advanced_settings](size_t) {
        v1::PlanEndpointsRequest req;
        for (const auto& c : changes) *req.add_changes() = c;
        req.set_advanced_settings(advanced_settings);
        return req;
      },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::PlanEndpointsRequest* req,
         v1::PlanEndpointsResponse* resp,
         DoneFn done) { rpc->async()->Plan(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::SetEndpointsResponse>> CallSet(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::SetEndpointsRequest>& requests,
    const OnReply<v1::SetEndpointsResponse>& on_reply) {
  return FanOut<Endpoints::Stub, v1::SetEndpointsRequest, v1::SetEndpointsResponse>(
      targets, options, [&requests](size_t i) { return requests[i]; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::SetEndpointsRequest* req,
         v1::SetEndpointsResponse* resp,
         DoneFn done) { rpc->async()->Set(ctx, req, resp, std::move(done)); },
      on_reply);
}

std::vector<HostReply<v1::SetEndpointsResponse>> CallRestart(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::RestartChangeRequest>& requests) {
  return FanOut<Endpoints::Stub, v1::RestartChangeRequest, v1::SetEndpointsResponse>(
      targets, options, [&requests](size_t i) { return requests[i]; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::RestartChangeRequest* req,
         v1::SetEndpointsResponse* resp,
         DoneFn done) { rpc->async()->Restart(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::ConfirmResponse>> CallConfirm(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<std::string>& change_ids) {
  return FanOut<Endpoints::Stub, v1::ConfirmRequest, v1::ConfirmResponse>(
      targets, options,
      [&change_ids](size_t i) {
        v1::ConfirmRequest req;
        req.set_change_id(change_ids[i]);
        return req;
      },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::ConfirmRequest* req,
         v1::ConfirmResponse* resp,
         DoneFn done) { rpc->async()->Confirm(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::RenewResponse>> CallRenew(const std::vector<Target>& targets,
                                                    const FanOutOptions& options,
                                                    const std::vector<v1::RenewRequest>& requests) {
  return FanOut<Endpoints::Stub, v1::RenewRequest, v1::RenewResponse>(
      targets, options, [&requests](size_t i) { return requests[i]; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::RenewRequest* req,
         v1::RenewResponse* resp,
         DoneFn done) { rpc->async()->Renew(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::RollbackResponse>> CallRollback(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::RollbackRequest>& requests) {
  return FanOut<Endpoints::Stub, v1::RollbackRequest, v1::RollbackResponse>(
      targets, options, [&requests](size_t i) { return requests[i]; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::RollbackRequest* req,
         v1::RollbackResponse* resp,
         DoneFn done) { rpc->async()->Rollback(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::ProbeResponse>> CallProbe(const std::vector<Target>& targets,
                                                    const FanOutOptions& options,
                                                    const v1::ProbeRequest& request) {
  return FanOut<Endpoints::Stub, v1::ProbeRequest, v1::ProbeResponse>(
      targets, options, [&request](size_t) { return request; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::ProbeRequest* req,
         v1::ProbeResponse* resp,
         DoneFn done) { rpc->async()->Probe(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::ConnectionsResponse>> CallConnections(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const v1::ConnectionsRequest& request) {
  return FanOut<Endpoints::Stub, v1::ConnectionsRequest, v1::ConnectionsResponse>(
      targets, options, [&request](size_t) { return request; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::ConnectionsRequest* req,
         v1::ConnectionsResponse* resp,
         DoneFn done) { rpc->async()->Connections(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::ListServicesResponse>> CallListServices(
    const std::vector<Target>& targets, const FanOutOptions& options) {
  return FanOut<v1::Services::Stub, v1::ListServicesRequest, v1::ListServicesResponse>(
      targets, options, [](size_t) { return v1::ListServicesRequest(); },
      [](v1::Services::Stub* rpc, grpc::ClientContext* ctx, const v1::ListServicesRequest* req,
         v1::ListServicesResponse* resp,
         DoneFn done) { rpc->async()->List(ctx, req, resp, std::move(done)); });
}

std::vector<HostStream<v1::ServiceEvent>> CallControlServices(
    const std::vector<Target>& targets, const FanOutOptions& options, const StreamOptions& stream,
    const v1::ControlServicesRequest& request,
    const std::function<void(size_t, const v1::ServiceEvent&)>& on_event) {
  return FanOutStream<v1::Services::Stub, v1::ControlServicesRequest, v1::ServiceEvent>(
      targets, options, stream, [&request](size_t) { return request; },
      [](v1::Services::Stub* rpc, grpc::ClientContext* ctx, const v1::ControlServicesRequest* req,
         grpc::ClientReadReactor<v1::ServiceEvent>* reactor) {
        rpc->async()->Control(ctx, req, reactor);
      },
      on_event);
}

std::vector<HostReply<v1::ListBackupsResponse>> CallListBackups(const std::vector<Target>& targets,
                                                                const FanOutOptions& options) {
  return FanOut<Endpoints::Stub, v1::ListBackupsRequest, v1::ListBackupsResponse>(
      targets, options, [](size_t) { return v1::ListBackupsRequest(); },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::ListBackupsRequest* req,
         v1::ListBackupsResponse* resp,
         DoneFn done) { rpc->async()->ListBackups(ctx, req, resp, std::move(done)); });
}

std::vector<HostStream<v1::PhaseEvent>> CallRunPhase(
    const std::vector<Target>& targets, const FanOutOptions& options, const StreamOptions& stream,
    const v1::RunPhaseRequest& request,
    const std::function<void(size_t, const v1::PhaseEvent&)>& on_event) {
  return FanOutStream<v1::ServiceCenter::Stub, v1::RunPhaseRequest, v1::PhaseEvent>(
      targets, options, stream, [&request](size_t) { return request; },
      [](v1::ServiceCenter::Stub* rpc, grpc::ClientContext* ctx, const v1::RunPhaseRequest* req,
         grpc::ClientReadReactor<v1::PhaseEvent>* reactor) {
        rpc->async()->RunPhase(ctx, req, reactor);
      },
      on_event);
}

HostReply<v1::HoldResponse> CallTakeHold(const Target& target, const FanOutOptions& options,
                                         const v1::TakeHoldRequest& request) {
  return FanOut<Endpoints::Stub, v1::TakeHoldRequest, v1::HoldResponse>(
      {target}, options, [&request](size_t) { return request; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::TakeHoldRequest* req,
         v1::HoldResponse* resp,
         DoneFn done) { rpc->async()->TakeHold(ctx, req, resp, std::move(done)); })[0];
}

HostReply<v1::HoldResponse> CallRenewHold(const Target& target, const FanOutOptions& options,
                                          const v1::RenewHoldRequest& request) {
  return FanOut<Endpoints::Stub, v1::RenewHoldRequest, v1::HoldResponse>(
      {target}, options, [&request](size_t) { return request; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::RenewHoldRequest* req,
         v1::HoldResponse* resp,
         DoneFn done) { rpc->async()->RenewHold(ctx, req, resp, std::move(done)); })[0];
}

HostReply<v1::ReleaseHoldResponse> CallReleaseHold(const Target& target,
                                                   const FanOutOptions& options,
                                                   const v1::ReleaseHoldRequest& request) {
  return FanOut<Endpoints::Stub, v1::ReleaseHoldRequest, v1::ReleaseHoldResponse>(
      {target}, options, [&request](size_t) { return request; },
      [](Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::ReleaseHoldRequest* req,
         v1::ReleaseHoldResponse* resp,
         DoneFn done) { rpc->async()->ReleaseHold(ctx, req, resp, std::move(done)); })[0];
}

}  // namespace osfleet::ctl

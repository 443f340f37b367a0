#include "ctl/agent_calls.h"

namespace osfleet::ctl {

using v1::Agent;
using v1::Endpoints;

std::vector<HostReply<v1::AgentInfo>> CallGetInfo(const std::vector<Target>& targets,
                                                  const FanOutOptions& options) {
  return FanOut<Agent::Stub, v1::GetInfoRequest, v1::AgentInfo>(
      targets, options, [](size_t) { return v1::GetInfoRequest(); },
      [](Agent::Stub* stub, grpc::ClientContext* ctx, const v1::GetInfoRequest* req,
         v1::AgentInfo* resp,
         DoneFn done) { stub->async()->GetInfo(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::GetEndpointsResponse>> CallGetEndpoints(
    const std::vector<Target>& targets, const FanOutOptions& options) {
  return FanOut<Endpoints::Stub, v1::GetEndpointsRequest, v1::GetEndpointsResponse>(
      targets, options, [](size_t) { return v1::GetEndpointsRequest(); },
      [](Endpoints::Stub* stub, grpc::ClientContext* ctx, const v1::GetEndpointsRequest* req,
         v1::GetEndpointsResponse* resp,
         DoneFn done) { stub->async()->Get(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::PlanEndpointsResponse>> CallPlan(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::EndpointChange>& changes) {
  return FanOut<Endpoints::Stub, v1::PlanEndpointsRequest, v1::PlanEndpointsResponse>(
      targets, options,
      [&changes](size_t) {
        v1::PlanEndpointsRequest req;
        for (const auto& c : changes) *req.add_changes() = c;
        return req;
      },
      [](Endpoints::Stub* stub, grpc::ClientContext* ctx, const v1::PlanEndpointsRequest* req,
         v1::PlanEndpointsResponse* resp,
         DoneFn done) { stub->async()->Plan(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::SetEndpointsResponse>> CallSet(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::vector<v1::EndpointChange>& changes,
    const std::vector<std::string>& expected_revisions, const std::string& reason) {
  return FanOut<Endpoints::Stub, v1::SetEndpointsRequest, v1::SetEndpointsResponse>(
      targets, options,
      [&](size_t i) {
        v1::SetEndpointsRequest req;
        for (const auto& c : changes) *req.add_changes() = c;
        req.set_expected_revision(expected_revisions[i]);
        req.set_reason(reason);
        return req;
      },
      [](Endpoints::Stub* stub, grpc::ClientContext* ctx, const v1::SetEndpointsRequest* req,
         v1::SetEndpointsResponse* resp,
         DoneFn done) { stub->async()->Set(ctx, req, resp, std::move(done)); });
}

std::vector<HostReply<v1::ListBackupsResponse>> CallListBackups(const std::vector<Target>& targets,
                                                                const FanOutOptions& options) {
  return FanOut<Endpoints::Stub, v1::ListBackupsRequest, v1::ListBackupsResponse>(
      targets, options, [](size_t) { return v1::ListBackupsRequest(); },
      [](Endpoints::Stub* stub, grpc::ClientContext* ctx, const v1::ListBackupsRequest* req,
         v1::ListBackupsResponse* resp,
         DoneFn done) { stub->async()->ListBackups(ctx, req, resp, std::move(done)); });
}

}  // namespace osfleet::ctl

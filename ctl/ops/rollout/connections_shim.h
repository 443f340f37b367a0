// TEMPORARY, until h-conn's CallConnections (ctl/rpc/agent_calls.h) is merged: the same
// fan-out of Endpoints.Connections, so that the drain check builds meanwhile.
#pragma once

#include <vector>

#include "ctl/rpc/fanout.h"
#include "osfleet/v1/endpoints.grpc.pb.h"

namespace osfleet::ctl {

inline std::vector<HostReply<v1::ConnectionsResponse>> CallConnections(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const v1::ConnectionsRequest& request) {
  return FanOut<v1::Endpoints::Stub, v1::ConnectionsRequest, v1::ConnectionsResponse>(
      targets, options, [&request](size_t) { return request; },
      [](v1::Endpoints::Stub* rpc, grpc::ClientContext* ctx, const v1::ConnectionsRequest* req,
         v1::ConnectionsResponse* resp,
         DoneFn done) { rpc->async()->Connections(ctx, req, resp, std::move(done)); });
}

}  // namespace osfleet::ctl

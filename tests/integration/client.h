// A generated C++ client for one agent, with a deadline on every call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "osfleet/v1/agent.grpc.pb.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"

namespace osfleet::testing {

class AgentClient {
 public:
  explicit AgentClient(const std::string& address)
      : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        agent_(v1::Agent::NewStub(channel_)),
        endpoints_(v1::Endpoints::NewStub(channel_)) {}

  // A fresh context with a 10 s deadline.
  std::unique_ptr<grpc::ClientContext> Context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }
  v1::Agent::Stub& agent() { return *agent_; }
  v1::Endpoints::Stub& endpoints() { return *endpoints_; }

  std::string Revision() {
    v1::GetEndpointsResponse resp;
    endpoints_->Get(Context().get(), {}, &resp);
    return resp.revision();
  }

  grpc::Status Set(v1::Database db, const std::string& address, const std::string& revision,
                   v1::SetEndpointsResponse* resp) {
    v1::SetEndpointsRequest req;
    v1::EndpointChange* c = req.add_changes();
    c->set_database(db);
    c->set_address(address);
    req.set_expected_revision(revision);
    return endpoints_->Set(Context().get(), req, resp);
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Agent::Stub> agent_;
  std::unique_ptr<v1::Endpoints::Stub> endpoints_;
};

}  // namespace osfleet::testing

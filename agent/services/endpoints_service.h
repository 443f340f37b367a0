// osfleet.v1.Endpoints over gRPC: adapts requests to HsconfStore, which holds the logic.
#pragma once

#include <functional>

#include "agent/executor.h"
#include "agent/hsconf_store.h"
#include "osfleet/v1/endpoints.grpc.pb.h"

namespace osfleet::agent {

class EndpointsService final : public v1::Endpoints::CallbackService {
 public:
  // on_read(ok) is told whether the file could be read, for the health status.
  EndpointsService(HsconfStore* store, Executor* executor, std::function<void(bool)> on_read);

  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const v1::GetEndpointsRequest* request,
                                v1::GetEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const v1::PlanEndpointsRequest* request,
                                 v1::PlanEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* Set(grpc::CallbackServerContext* context,
                                const v1::SetEndpointsRequest* request,
                                v1::SetEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* ListBackups(grpc::CallbackServerContext* context,
                                        const v1::ListBackupsRequest* request,
                                        v1::ListBackupsResponse* response) override;
  grpc::ServerUnaryReactor* Rollback(grpc::CallbackServerContext* context,
                                     const v1::RollbackRequest* request,
                                     v1::RollbackResponse* response) override;

 private:
  absl::Status DoGet(v1::GetEndpointsResponse* response);
  absl::Status DoSet(const grpc::CallbackServerContext* context,
                     const v1::SetEndpointsRequest& request, v1::SetEndpointsResponse* response);
  absl::Status DoRollback(const grpc::CallbackServerContext* context,
                          const v1::RollbackRequest& request, v1::RollbackResponse* response);

  HsconfStore* store_;
  Executor* executor_;
  std::function<void(bool)> on_read_;
};

}  // namespace osfleet::agent

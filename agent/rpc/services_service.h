// osfleet.v1.Services over gRPC: adapts to ServiceManager, which holds the logic.
#pragma once

#include "absl/time/time.h"
#include "agent/admission/call_gate.h"
#include "agent/outsystems_services/service_manager.h"
#include "agent/server/lanes.h"
#include "osfleet/v1/services.grpc.pb.h"

namespace osfleet::agent {

class ServicesService final : public v1::Services::CallbackService {
 public:
  ServicesService(ServiceManager* services, Lanes lanes, absl::Duration min_healthy,
                  const CallGate* gate);

  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* context,
                                 const v1::ListServicesRequest* request,
                                 v1::ListServicesResponse* response) override;
  grpc::ServerWriteReactor<v1::ServiceEvent>* Control(
      grpc::CallbackServerContext* context, const v1::ControlServicesRequest* request) override;

 private:
  ServiceManager* services_;
  Lanes lanes_;
  absl::Duration min_healthy_;
  const CallGate* gate_;
};

}  // namespace osfleet::agent

#include "agent/services/services_service.h"

#include <spdlog/spdlog.h>

#include "agent/proto_convert.h"
#include "agent/services/event_stream.h"
#include "agent/services/reactor_util.h"
#include "common/logging.h"

namespace osfleet::agent {
namespace {

absl::StatusOr<ServiceAction> ActionOf(v1::ServiceAction action) {
  switch (action) {
    case v1::SERVICE_ACTION_START:
      return ServiceAction::kStart;
    case v1::SERVICE_ACTION_STOP:
      return ServiceAction::kStop;
    case v1::SERVICE_ACTION_RESTART:
      return ServiceAction::kRestart;
    default:
      return absl::InvalidArgumentError("action: must be START, STOP or RESTART");
  }
}

}  // namespace

ServicesService::ServicesService(ServiceManager* services, Executor* reads, Executor* work,
                                 absl::Duration min_healthy)
    : services_(services), reads_(reads), work_(work), min_healthy_(min_healthy) {}

grpc::ServerUnaryReactor* ServicesService::List(grpc::CallbackServerContext* context,
                                                const v1::ListServicesRequest* request,
                                                v1::ListServicesResponse* response) {
  return FinishOnExecutor(context, reads_, [this, response] {
    for (const ServiceStatus& s : services_->List()) FillServiceStatus(s, response->add_services());
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::ServiceEvent>* ServicesService::Control(
    grpc::CallbackServerContext* context, const v1::ControlServicesRequest* request) {
  auto* stream = new EventStream<v1::ServiceEvent>();
  absl::StatusOr<ServiceAction> action = ActionOf(request->action());
  if (!action.ok()) {
    stream->Close(ToGrpcStatus(action.status()));
    return stream;
  }
  const std::vector<std::string> names(request->names().begin(), request->names().end());
  const absl::Duration min_healthy =
      request->has_min_healthy() ? FromProtoDuration(request->min_healthy()) : min_healthy_;
  const std::string peer = context->peer();
  work_->Post([this, stream, action = *action, names, min_healthy, peer] {
    absl::Status status = services_->Control(
        action, names, min_healthy, [stream](const ServiceEvent& e) { stream->Push(ToProto(e)); });
    spdlog::info("Services.Control from {}: {}", peer, status.ok() ? "OK" : status.ToString());
    stream->Close(ToGrpcStatus(status));
  });
  return stream;
}

}  // namespace osfleet::agent

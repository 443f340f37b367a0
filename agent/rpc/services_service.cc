#include "agent/rpc/services_service.h"

#include "absl/strings/str_join.h"
#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"
#include "agent/rpc/stream_call.h"

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

ServicesService::ServicesService(ServiceManager* services, Lanes lanes, absl::Duration min_healthy,
                                 const CallGate* gate)
    : services_(services), lanes_(lanes), min_healthy_(min_healthy), gate_(gate) {}

grpc::ServerUnaryReactor* ServicesService::List(grpc::CallbackServerContext* context,
                                                const v1::ListServicesRequest* request,
                                                v1::ListServicesResponse* response) {
  return FinishOnLane(context, lanes_, gate_->Admit(context, rpcs::kServicesList),
                      [this, response] {
                        for (const ServiceStatus& s : services_->List()) {
                          FillServiceStatus(s, response->add_services());
                        }
                        return absl::OkStatus();
                      });
}

grpc::ServerWriteReactor<v1::ServiceEvent>* ServicesService::Control(
    grpc::CallbackServerContext* context, const v1::ControlServicesRequest* request) {
  Admission admission = gate_->Admit(context, rpcs::kServicesControl);
  const std::vector<std::string> names(request->names().begin(), request->names().end());
  absl::Status checked = CheckNames("names", request->names(), kMaxServiceNames, kMaxNameBytes);
  absl::Duration min_healthy = min_healthy_;
  if (checked.ok() && request->has_min_healthy()) {
    absl::StatusOr<absl::Duration> d =
        DurationFromProto(request->min_healthy(), "min_healthy", kMinHealthyBounds);
    checked = d.status();
    if (d.ok()) min_healthy = *d;
  }
  const v1::ServiceAction requested = request->action();
  const absl::StatusOr<ServiceAction> action = ActionOf(requested);
  if (checked.ok()) checked = action.status();
  return StreamOnLane<v1::ServiceEvent>(
      context, lanes_, std::move(admission), checked,
      [this, context, requested, names, min_healthy, action](auto* stream, absl::Status start,
                                                             AuditRecord* audit) {
        audit->details = {{"action", v1::ServiceAction_Name(requested)},
                          {"services", names.empty() ? "*" : absl::StrJoin(names, ",")}};
        if (!start.ok()) return start;
        // Stops between services and while holding min_healthy when the client gives up.
        return services_->Control(
            *action, names, min_healthy,
            [stream](const ServiceEvent& e) { stream->Push(ToProto(e)); },
            CallCancelToken(context));
      });
}

}  // namespace osfleet::agent

// Endpoints.Get, ListBackups and Probe: the reads. A change's RPCs are in
// endpoints_changes.cc, the fleet hold's in endpoints_hold.cc.
#include "agent/rpc/endpoints_service.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "agent/probe/probe_targets.h"
#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"

namespace osfleet::agent {
namespace {

// A Probe's targets before anything is read: how many, which databases, how long.
absl::Status CheckProbeTargets(
    const google::protobuf::RepeatedPtrField<v1::EndpointChange>& targets) {
  if (static_cast<size_t>(targets.size()) > kMaxProbeTargets) {
    return absl::InvalidArgumentError(
        absl::StrCat("targets: ", targets.size(), " entries, at most ", kMaxProbeTargets,
                     " allowed (Probe checks one address per database)"));
  }
  for (int i = 0; i < targets.size(); ++i) {
    if (!DatabaseFromProto(targets[i].database()).has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("targets[", i, "].database: must be PLATFORM, LOGGING or SESSION"));
    }
    if (targets[i].address().size() > kMaxProbeAddressBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("targets[", i, "].address: ", targets[i].address().size(),
                       " bytes, at most ", kMaxProbeAddressBytes, " allowed"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

EndpointsService::EndpointsService(EndpointsDeps deps) : deps_(std::move(deps)) {}

absl::Status EndpointsService::DoGet(v1::GetEndpointsResponse* response) {
  absl::StatusOr<HsconfDocument> doc = deps_.store->Read();
  deps_.on_read(doc.ok());
  if (!doc.ok()) return doc.status();
  FillEndpoints(*doc, response);
  response->set_hsconf_path(deps_.store->path());
  if (std::optional<PendingChange> p = deps_.changes->pending()) {
    FillPending(*p, deps_.changes->clock()->Monotonic(), response->mutable_pending());
  }
  if (std::optional<HoldView> hold = deps_.hold->Current()) {
    FillHold(*hold, response->mutable_hold());
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Get(grpc::CallbackServerContext* context,
                                                const v1::GetEndpointsRequest* request,
                                                v1::GetEndpointsResponse* response) {
  return FinishOnLane(context, deps_.lanes, deps_.gate->Admit(context, rpcs::kEndpointsGet),
                      [this, response] { return DoGet(response); });
}
grpc::ServerUnaryReactor* EndpointsService::ListBackups(grpc::CallbackServerContext* context,
                                                        const v1::ListBackupsRequest* request,
                                                        v1::ListBackupsResponse* response) {
  return FinishOnLane(context, deps_.lanes, deps_.gate->Admit(context, rpcs::kEndpointsListBackups),
                      [this, response]() -> absl::Status {
                        absl::StatusOr<std::vector<BackupInfo>> backups =
                            deps_.store->ListBackups();
                        if (!backups.ok()) return backups.status();
                        for (const BackupInfo& b : *backups) FillBackup(b, response->add_backups());
                        return absl::OkStatus();
                      });
}
absl::Status EndpointsService::DoProbe(const v1::ProbeRequest& request, v1::ProbeResponse* response,
                                       bool viewer, ProbeOptions call,
                                       std::function<void(absl::Status)> finish) {
  if (absl::Status s = CheckProbeTargets(request.targets()); !s.ok()) return s;
  absl::StatusOr<absl::Duration> timeout =
      ProbeTimeout(FromProtoDuration(request.timeout()), deps_.probe.timeout);
  if (!timeout.ok()) return timeout.status();
  absl::StatusOr<HsconfDocument> doc = deps_.store->Read();
  if (!doc.ok()) return doc.status();
  std::vector<ProbeTarget> requested;
  for (const v1::EndpointChange& t : request.targets()) {
    requested.push_back({*DatabaseFromProto(t.database()), t.address()});
  }
  absl::StatusOr<std::vector<ProbeTarget>> targets = ChooseProbeTargets(*doc, requested);
  if (!targets.ok()) return targets.status();
  ProbeOptions options = deps_.probe;
  options.timeout = *timeout;
  options.cancel = call.cancel;  // stops between steps and while waiting once the client gives up
  options.deadline = std::min(call.deadline, absl::Now() + kMaxProbeCall);
  options.identity = request.identity();
  deps_.probes->Run(viewer, *doc, *std::move(targets), std::move(options),
                    [response, cancel = call.cancel,
                     finish = std::move(finish)](std::vector<ProbeTargetResult> results) {
                      for (const ProbeTargetResult& r : results) {
                        v1::ProbeResult* out = response->add_results();
                        out->set_database(ToProto(r.database));
                        out->set_address(r.address);
                        FillProbe(r.outcome, out);
                        if (r.identity) FillIdentity(*r.identity, out->mutable_identity());
                      }
                      finish(cancel.Check());
                    });
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Probe(grpc::CallbackServerContext* context,
                                                  const v1::ProbeRequest* request,
                                                  v1::ProbeResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Admission admission = deps_.gate->Admit(context, rpcs::kEndpointsProbe);
  if (!admission.status.ok()) {
    deps_.gate->Refuse(
        admission, [reactor, status = ToGrpcStatus(admission.status)] { reactor->Finish(status); });
    return reactor;
  }
  // The targets run as tasks on the caller's probe lane; the last one answers the call.
  const bool viewer = admission.caller.role == ClientRole::kViewer;
  auto a = std::make_shared<Admission>(std::move(admission));
  deps_.lanes.For(rpcs::kEndpointsProbe, viewer)
      ->Post([this, context, request, response, reactor, a, viewer] {
        auto finish = [reactor, a](const absl::Status& status) {
          a->slot.reset();
          reactor->Finish(ToGrpcStatus(status));
        };
        absl::Status status = a->gate->CheckStart(context, *a);
        if (status.ok()) {
          ProbeOptions call;
          call.cancel = CallCancelToken(context);
          call.deadline = absl::FromChrono(context->deadline());
          status = DoProbe(*request, response, viewer, std::move(call), finish);
        }
        if (!status.ok()) finish(status);
      });
  return reactor;
}

}  // namespace osfleet::agent

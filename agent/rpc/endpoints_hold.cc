// Endpoints.TakeHold, RenewHold, ReleaseHold: the fleet-wide hold (agent/endpoints/
// fleet_hold.h) over gRPC. The caller's certificate identity and serial, as the gate
// identified them, are the hold's owner; every call is audited.
#include "absl/strings/str_cat.h"
#include "agent/rpc/endpoints_service.h"
#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"
#include "common/api/request_limits.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

HoldOwner OwnerOf(const Caller& caller) { return {caller.identity, caller.serial}; }

absl::Status CheckHoldId(absl::string_view hold_id) {
  if (hold_id.empty()) {
    return absl::InvalidArgumentError("hold_id: required (the hold TakeHold gave)");
  }
  return CheckSize("hold_id", hold_id, kMaxIdBytes);
}

void AuditHold(const HoldView& hold, AuditRecord* audit) {
  audit->details = {{"hold_id", hold.record.hold_id},
                    {"rollout_id", hold.record.rollout_id},
                    {"workstation", hold.record.workstation},
                    {"pid", absl::StrCat(hold.record.pid)},
                    {"lease", absl::FormatDuration(hold.remaining)}};
}

}  // namespace

absl::Status EndpointsService::DoTakeHold(const v1::TakeHoldRequest& request, const Caller& caller,
                                          v1::HoldResponse* response, AuditRecord* audit) {
  audit->details = {{"rollout_id", request.rollout_id()}};
  if (request.rollout_id().empty()) {
    return absl::InvalidArgumentError("rollout_id: required (the rollout taking the hold)");
  }
  if (absl::Status s = CheckSize("rollout_id", request.rollout_id(), kMaxIdBytes); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckSize("workstation", request.workstation(), kMaxNameBytes); !s.ok()) {
    return s;
  }
  if (!IsValidUtf8(request.rollout_id()) || !IsValidUtf8(request.workstation())) {
    return absl::InvalidArgumentError("rollout_id, workstation: must be UTF-8");
  }
  if (!request.has_lease()) return absl::InvalidArgumentError("lease: required");
  absl::StatusOr<absl::Duration> lease = DurationFromProto(request.lease(), "lease", kLeaseBounds);
  if (!lease.ok()) return lease.status();
  absl::StatusOr<TakeHoldOutcome> out = deps_.hold->Take(
      {request.rollout_id(), request.workstation(), request.pid(), *lease, OwnerOf(caller)});
  if (!out.ok()) return out.status();
  FillHold(out->hold, response->mutable_hold());
  response->set_replaced(out->replaced);
  AuditHold(out->hold, audit);
  if (!out->replaced.empty()) audit->details.emplace_back("replaced", out->replaced);
  return absl::OkStatus();
}

absl::Status EndpointsService::DoRenewHold(const v1::RenewHoldRequest& request,
                                           const Caller& caller, v1::HoldResponse* response,
                                           AuditRecord* audit) {
  audit->details = {{"hold_id", request.hold_id()}};
  if (absl::Status s = CheckHoldId(request.hold_id()); !s.ok()) return s;
  absl::StatusOr<absl::Duration> lease =
      DurationFromProto(request.lease(), "lease", {absl::ZeroDuration(), kLeaseBounds.max});
  if (!lease.ok()) return lease.status();
  if (*lease != absl::ZeroDuration() && *lease < kLeaseBounds.min) {
    return CheckDuration("lease", *lease, kLeaseBounds);
  }
  absl::StatusOr<HoldView> hold = deps_.hold->Renew(request.hold_id(), OwnerOf(caller), *lease);
  if (!hold.ok()) return hold.status();
  FillHold(*hold, response->mutable_hold());
  AuditHold(*hold, audit);
  return absl::OkStatus();
}

absl::Status EndpointsService::DoReleaseHold(const v1::ReleaseHoldRequest& request,
                                             const Caller& caller,
                                             v1::ReleaseHoldResponse* response,
                                             AuditRecord* audit) {
  audit->details = {{"hold_id", request.hold_id()}};
  if (absl::Status s = CheckHoldId(request.hold_id()); !s.ok()) return s;
  if (absl::Status s = deps_.hold->Release(request.hold_id(), OwnerOf(caller)); !s.ok()) return s;
  response->set_hold_id(request.hold_id());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::TakeHold(grpc::CallbackServerContext* context,
                                                     const v1::TakeHoldRequest* request,
                                                     v1::HoldResponse* response) {
  Admission admission = deps_.gate->Admit(context, rpcs::kEndpointsTakeHold);
  const Caller caller = admission.caller;
  return FinishOnLane(context, deps_.lanes, std::move(admission),
                      [this, request, response, caller](AuditRecord* audit) {
                        return DoTakeHold(*request, caller, response, audit);
                      });
}

grpc::ServerUnaryReactor* EndpointsService::RenewHold(grpc::CallbackServerContext* context,
                                                      const v1::RenewHoldRequest* request,
                                                      v1::HoldResponse* response) {
  Admission admission = deps_.gate->Admit(context, rpcs::kEndpointsRenewHold);
  const Caller caller = admission.caller;
  return FinishOnLane(context, deps_.lanes, std::move(admission),
                      [this, request, response, caller](AuditRecord* audit) {
                        return DoRenewHold(*request, caller, response, audit);
                      });
}

grpc::ServerUnaryReactor* EndpointsService::ReleaseHold(grpc::CallbackServerContext* context,
                                                        const v1::ReleaseHoldRequest* request,
                                                        v1::ReleaseHoldResponse* response) {
  Admission admission = deps_.gate->Admit(context, rpcs::kEndpointsReleaseHold);
  const Caller caller = admission.caller;
  return FinishOnLane(context, deps_.lanes, std::move(admission),
                      [this, request, response, caller](AuditRecord* audit) {
                        return DoReleaseHold(*request, caller, response, audit);
                      });
}

}  // namespace osfleet::agent

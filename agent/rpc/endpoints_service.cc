#include "agent/rpc/endpoints_service.h"

#include "absl/strings/str_cat.h"
#include "agent/probe/probe_targets.h"
#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"

namespace osfleet::agent {
namespace {

constexpr absl::Duration kMaxConfirmWindow = absl::Hours(24);
constexpr absl::Duration kMinLease = absl::Milliseconds(100);

// Runs a change that fills the audit revisions itself when it succeeds; when it fails,
// the audit line gets the file's revision before and after the attempt.
template <typename Run>
absl::Status WithRevisions(const HsconfStore& store, AuditRecord* audit, Run run) {
  const std::string before = store.CurrentRevision();
  absl::Status status = run();
  if (!status.ok()) {
    audit->before = before;
    audit->after = store.CurrentRevision();
  }
  return status;
}

absl::Status CheckLease(absl::Duration lease, absl::Duration window) {
  if (lease == absl::ZeroDuration()) return absl::OkStatus();
  if (window == absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lease: needs confirm_within (a lease holds a change "
                                      "that waits for Confirm)");
  }
  if (lease < kMinLease || lease > window) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lease: must be between ", absl::FormatDuration(kMinLease), " and confirm_within (",
        absl::FormatDuration(window), "), got ", absl::FormatDuration(lease)));
  }
  return absl::OkStatus();
}

v1::ChangeState ToProto(ChangeStatus status) {
  switch (status) {
    case ChangeStatus::kPending:
      return v1::CHANGE_STATE_PENDING;
    case ChangeStatus::kConfirmed:
      return v1::CHANGE_STATE_CONFIRMED;
    case ChangeStatus::kReverting:
      return v1::CHANGE_STATE_REVERTING;
    case ChangeStatus::kReverted:
      return v1::CHANGE_STATE_REVERTED;
    case ChangeStatus::kUnknown:
      break;
  }
  return v1::CHANGE_STATE_UNKNOWN;
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
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Get(grpc::CallbackServerContext* context,
                                                const v1::GetEndpointsRequest* request,
                                                v1::GetEndpointsResponse* response) {
  return FinishOnExecutor(context, deps_.reads, deps_.gate->Admit(context, "Endpoints.Get"),
                          [this, response] { return DoGet(response); });
}

absl::Status EndpointsService::DoPlan(const v1::PlanEndpointsRequest& request,
                                      v1::PlanEndpointsResponse* response) {
  absl::StatusOr<std::vector<EndpointEdit>> edits = EditsFromProto(request.changes());
  if (!edits.ok()) return edits.status();
  absl::StatusOr<PlanOutcome> plan = deps_.store->Plan(*edits, request.expected_revision());
  if (!plan.ok()) return plan.status();
  response->set_revision(plan->revision);
  FillDiffs(plan->changes, response->mutable_diffs());
  for (const std::string& w : plan->warnings) response->add_warnings(w);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Plan(grpc::CallbackServerContext* context,
                                                 const v1::PlanEndpointsRequest* request,
                                                 v1::PlanEndpointsResponse* response) {
  return FinishOnExecutor(context, deps_.reads, deps_.gate->Admit(context, "Endpoints.Plan"),
                          [this, request, response] { return DoPlan(*request, response); });
}

absl::Status EndpointsService::DoSet(const v1::SetEndpointsRequest& request,
                                     v1::SetEndpointsResponse* response, AuditRecord* audit) {
  absl::StatusOr<std::vector<EndpointEdit>> edits = EditsFromProto(request.changes());
  if (!edits.ok()) return edits.status();
  ApplyInput input;
  input.set = {*std::move(edits), request.expected_revision(), request.force(), request.reason()};
  input.restart_services = request.restart_services();
  input.confirm_within = FromProtoDuration(request.confirm_within());
  if (input.confirm_within < absl::ZeroDuration() || input.confirm_within > kMaxConfirmWindow) {
    return absl::InvalidArgumentError("confirm_within: must be between 0 and 24h");
  }
  input.lease = FromProtoDuration(request.lease());
  if (absl::Status s = CheckLease(input.lease, input.confirm_within); !s.ok()) return s;
  absl::StatusOr<ApplyOutcome> out = deps_.changes->Apply(std::move(input), nullptr);
  if (!out.ok()) return out.status();
  const SetOutcome& set = out->set;
  response->set_change_id(set.change_id);
  response->set_previous_revision(set.previous_revision);
  response->set_revision(set.revision);
  FillDiffs(set.changes, response->mutable_diffs());
  response->set_backup_id(set.backup_id);
  for (const std::string& w : set.warnings) response->add_warnings(w);
  response->set_state(set.changes.empty() ? v1::CHANGE_STATE_NO_CHANGE
                      : out->pending      ? v1::CHANGE_STATE_PENDING
                                          : v1::CHANGE_STATE_APPLIED);
  if (out->pending) *response->mutable_confirm_deadline() = ToTimestamp(out->confirm_deadline);
  if (request.restart_services()) {
    *response->mutable_restart_duration() = ToProtoDuration(out->restart_duration);
  }
  audit->before = set.previous_revision;
  audit->after = set.revision;
  audit->change_id = set.change_id;
  audit->details = {{"backup_id", set.backup_id}, {"reason", request.reason()}};
  if (request.has_lease()) {
    audit->details.emplace_back("lease", absl::FormatDuration(FromProtoDuration(request.lease())));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Set(grpc::CallbackServerContext* context,
                                                const v1::SetEndpointsRequest* request,
                                                v1::SetEndpointsResponse* response) {
  return FinishAudited(context, deps_.work, deps_.gate->Admit(context, "Endpoints.Set"),
                       [this, request, response](AuditRecord* audit) {
                         return WithRevisions(*deps_.store, audit,
                                              [&] { return DoSet(*request, response, audit); });
                       });
}

grpc::ServerUnaryReactor* EndpointsService::ListBackups(grpc::CallbackServerContext* context,
                                                        const v1::ListBackupsRequest* request,
                                                        v1::ListBackupsResponse* response) {
  return FinishOnExecutor(context, deps_.reads, deps_.gate->Admit(context, "Endpoints.ListBackups"),
                          [this, response]() -> absl::Status {
                            absl::StatusOr<std::vector<BackupInfo>> backups =
                                deps_.store->ListBackups();
                            if (!backups.ok()) return backups.status();
                            for (const BackupInfo& b : *backups)
                              FillBackup(b, response->add_backups());
                            return absl::OkStatus();
                          });
}

absl::Status EndpointsService::DoRollback(const v1::RollbackRequest& request,
                                          v1::RollbackResponse* response, AuditRecord* audit) {
  absl::StatusOr<RevertOutcome> out =
      request.backup_id().empty()
          ? deps_.changes->RevertPending(request.restart_services(), request.reason())
          : deps_.changes->Restore({request.backup_id(), request.expected_revision(),
                                    request.force(), request.reason()},
                                   request.restart_services());
  if (!out.ok()) return out.status();
  response->set_previous_revision(out->rollback.previous_revision);
  response->set_revision(out->rollback.revision);
  response->set_backup_id(out->rollback.backup_id);
  FillDiffs(out->rollback.changes, response->mutable_diffs());
  response->set_reverted_change_id(out->reverted_change_id);
  audit->before = out->rollback.previous_revision;
  audit->after = out->rollback.revision;
  audit->change_id = out->reverted_change_id;
  audit->details = {{"backup_id", out->rollback.backup_id}, {"reason", request.reason()}};
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Rollback(grpc::CallbackServerContext* context,
                                                     const v1::RollbackRequest* request,
                                                     v1::RollbackResponse* response) {
  return FinishAudited(context, deps_.rollback, deps_.gate->Admit(context, "Endpoints.Rollback"),
                       [this, request, response](AuditRecord* audit) {
                         return WithRevisions(*deps_.store, audit, [&] {
                           return DoRollback(*request, response, audit);
                         });
                       });
}

absl::Status EndpointsService::DoConfirm(const v1::ConfirmRequest& request,
                                         v1::ConfirmResponse* response) {
  absl::StatusOr<std::string> id = deps_.changes->Confirm(request.change_id());
  if (!id.ok()) return id.status();
  response->set_change_id(*id);
  response->set_state(v1::CHANGE_STATE_CONFIRMED);
  absl::StatusOr<HsconfDocument> doc = deps_.store->Read();
  if (doc.ok()) response->set_revision(doc->revision);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Confirm(grpc::CallbackServerContext* context,
                                                    const v1::ConfirmRequest* request,
                                                    v1::ConfirmResponse* response) {
  return FinishAudited(context, deps_.reads, deps_.gate->Admit(context, "Endpoints.Confirm"),
                       [this, request, response](AuditRecord* audit) {
                         absl::Status s = DoConfirm(*request, response);
                         audit->before = audit->after = deps_.store->CurrentRevision();
                         audit->change_id = s.ok() ? response->change_id() : request->change_id();
                         return s;
                       });
}

absl::Status EndpointsService::DoRenew(const v1::RenewRequest& request,
                                       v1::RenewResponse* response) {
  if (request.change_id().empty()) {
    return absl::InvalidArgumentError("change_id: required (the change whose lease to renew)");
  }
  const absl::Duration lease = FromProtoDuration(request.lease());
  if (lease < absl::ZeroDuration() || lease > kMaxConfirmWindow) {
    return absl::InvalidArgumentError("lease: must be between 0 and 24h");
  }
  const RenewOutcome out = deps_.changes->Renew(request.change_id(), lease);
  response->set_change_id(request.change_id());
  response->set_state(ToProto(out.status));
  response->set_detail(out.detail);
  if (out.status == ChangeStatus::kPending) {
    response->set_revision(out.revision);
    *response->mutable_lease_remaining() = ToProtoDuration(out.lease_remaining);
    *response->mutable_confirm_remaining() = ToProtoDuration(out.confirm_remaining);
  } else {
    response->set_revision(deps_.store->CurrentRevision());
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Renew(grpc::CallbackServerContext* context,
                                                  const v1::RenewRequest* request,
                                                  v1::RenewResponse* response) {
  // Not audited when it succeeds (a renewal changes nothing on disk; the Set that made
  // the change records its lease); refusals are audited by the gate.
  return FinishOnExecutor(context, deps_.reads, deps_.gate->Admit(context, "Endpoints.Renew"),
                          [this, request, response] { return DoRenew(*request, response); });
}

absl::Status EndpointsService::DoProbe(const v1::ProbeRequest& request,
                                       v1::ProbeResponse* response, const CancelToken& cancel) {
  absl::StatusOr<HsconfDocument> doc = deps_.store->Read();
  if (!doc.ok()) return doc.status();
  std::vector<EndpointEdit> edits;
  if (!request.targets().empty()) {
    absl::StatusOr<std::vector<EndpointEdit>> parsed = EditsFromProto(request.targets());
    if (!parsed.ok()) return parsed.status();
    edits = *std::move(parsed);
  }
  ProbeOptions options = deps_.probe;
  options.cancel = cancel;  // stops between steps once the client gives up
  if (request.has_timeout()) {
    options.timeout =
        std::clamp(FromProtoDuration(request.timeout()), absl::Milliseconds(10), absl::Seconds(30));
  }
  for (const ProbeTargetResult& r : ProbeTargets(*doc, edits, options)) {
    v1::ProbeResult* out = response->add_results();
    out->set_database(ToProto(r.database));
    out->set_address(r.address);
    FillProbe(r.outcome, out);
  }
  return cancel.Check();
}

grpc::ServerUnaryReactor* EndpointsService::Probe(grpc::CallbackServerContext* context,
                                                  const v1::ProbeRequest* request,
                                                  v1::ProbeResponse* response) {
  return FinishOnExecutor(context, deps_.probes, deps_.gate->Admit(context, "Endpoints.Probe"),
                          [this, context, request, response] {
                            return DoProbe(*request, response, CallCancelToken(context));
                          });
}

}  // namespace osfleet::agent

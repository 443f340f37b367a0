// Endpoints.Plan, Set, Restart, Rollback, Confirm and Renew: a change's life from its
// plan to its end (ChangeManager holds the logic; agent/endpoints/change_manager.h).
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/rpc/endpoints_service.h"
#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"
#include "common/api/request_limits.h"
#include "common/text/utf8.h"
#include "common/text/wipe.h"

namespace osfleet::agent {
namespace {

// Whose change a Set makes: the certificate's identity and serial (a new certificate with
// the same CN is another client), or the one name every plaintext loopback caller shares.
std::string OwnerKey(const Caller& caller) {
  if (caller.serial.empty()) return caller.identity;
  return absl::StrCat(caller.identity, " (serial ", caller.serial, ")");
}

std::string WallTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

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
    return absl::InvalidArgumentError(
        "lease: needs confirm_within (a lease holds a change "
        "that waits for Confirm)");
  }
  if (lease < kLeaseBounds.min || lease > window) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lease: must be between ", absl::FormatDuration(kLeaseBounds.min), " and confirm_within (",
        absl::FormatDuration(window), "), got ", absl::FormatDuration(lease)));
  }
  return absl::OkStatus();
}

// The sizes a client sends with a change: at most one edit per database, and the texts the
// agent echoes or stores (reason, revision) bounded.
absl::Status CheckChangeSizes(int changes, absl::string_view expected_revision,
                              absl::string_view reason) {
  if (absl::Status s = CheckCount("changes", changes, kMaxChanges); !s.ok()) return s;
  if (absl::Status s = CheckSize("expected_revision", expected_revision, kMaxIdBytes); !s.ok()) {
    return s;
  }
  return CheckSize("reason", reason, kMaxReasonBytes);
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

// The Configuration Tool's options of one change (credentials: CredentialsFromProto).
absl::StatusOr<ToolRequest> ToolRequestFromProto(const v1::ConfigurationToolOptions& options) {
  ToolRequest out;
  out.install_service_center = options.install_service_center();
  absl::StatusOr<ToolCredentials> credentials =
      CredentialsFromProto(options.credentials(), "configuration_tool.credentials");
  if (!credentials.ok()) return credentials.status();
  out.credentials = *std::move(credentials);
  return out;
}

void FillToolRun(const ToolRun& run, v1::ConfigurationToolRun* out) {
  out->set_command_line(run.command_line);
  out->set_ran(run.ran);
  out->set_exit_code(run.exit_code);
  out->set_timed_out(run.timed_out);
  out->set_output(run.output);
  out->set_log_tail(run.log_tail);
  *out->mutable_duration() = ToProtoDuration(run.duration);
  if (!run.status.ok()) out->set_error(std::string(run.status.message()));
}

// The request's credentials once the call used them: the change keeps its own copy (wiped
// when it is confirmed or reverted); the request's strings are overwritten now rather than
// freed as they are. The request belongs to this call until it finishes.
void WipeRequestCredentials(const v1::ConfigurationToolOptions& options) {
  auto* credentials = const_cast<v1::ConfigurationToolOptions&>(options).mutable_credentials();
  for (auto& entry : *credentials) Wipe(entry.second);
  credentials->clear();
}

// What the audit line says of the tool's options: never the credentials' values.
void AuditTool(const v1::ConfigurationToolOptions& options, AuditRecord* audit) {
  if (options.credentials_size() > 0) {
    audit->details.emplace_back("credentials", "supplied");
    // Which ones (names only): osctl sends each agent only those its tool names.
    std::vector<std::string> names;
    for (const auto& [name, value] : options.credentials()) {
      names.push_back(ValidUtf8(name.substr(0, kMaxCredentialNameBytes)));
    }
    std::sort(names.begin(), names.end());
    audit->details.emplace_back("credential_names", absl::StrJoin(names, ","));
  }
  if (options.install_service_center()) {
    audit->details.emplace_back("install_service_center", "true");
  }
}

}  // namespace

absl::Status EndpointsService::DoPlan(const v1::PlanEndpointsRequest& request,
                                      v1::PlanEndpointsResponse* response) {
  if (absl::Status s = CheckChangeSizes(request.changes_size(), request.expected_revision(), "");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::vector<EndpointEdit>> edits = EditsFromProto(request.changes());
  if (!edits.ok()) return edits.status();
  absl::StatusOr<PlanOutcome> plan = deps_.store->Plan(
      *edits, request.expected_revision(), AdvancedChoiceFromProto(request.advanced_settings()));
  if (!plan.ok()) return plan.status();
  response->set_revision(plan->revision);
  FillDiffs(plan->changes, response->mutable_diffs());
  for (const std::string& w : plan->warnings) response->add_warnings(w);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Plan(grpc::CallbackServerContext* context,
                                                 const v1::PlanEndpointsRequest* request,
                                                 v1::PlanEndpointsResponse* response) {
  return FinishOnLane(context, deps_.lanes, deps_.gate->Admit(context, rpcs::kEndpointsPlan),
                      [this, request, response] { return DoPlan(*request, response); });
}

absl::Status EndpointsService::DoSet(const v1::SetEndpointsRequest& request,
                                     const std::string& owner, v1::SetEndpointsResponse* response,
                                     AuditRecord* audit) {
  if (absl::Status s =
          CheckChangeSizes(request.changes_size(), request.expected_revision(), request.reason());
      !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Duration> window =
      DurationFromProto(request.confirm_within(), "confirm_within", kConfirmWithinBounds);
  if (!window.ok()) return window.status();
  absl::StatusOr<absl::Duration> lease =
      DurationFromProto(request.lease(), "lease", {absl::ZeroDuration(), kLeaseBounds.max});
  if (!lease.ok()) return lease.status();
  absl::StatusOr<std::vector<EndpointEdit>> edits = EditsFromProto(request.changes());
  if (!edits.ok()) return edits.status();
  ApplyInput input;
  input.set = {*std::move(edits), request.expected_revision(), request.force(), request.reason(),
               AdvancedChoiceFromProto(request.advanced_settings())};
  input.restart_services = request.restart_services();
  input.confirm_within = *window;
  input.lease = *lease;
  if (absl::Status s = CheckLease(input.lease, input.confirm_within); !s.ok()) return s;
  absl::StatusOr<ToolRequest> tool = ToolRequestFromProto(request.configuration_tool());
  if (!tool.ok()) return tool.status();
  input.tool = *std::move(tool);
  input.owner = owner;
  AuditTool(request.configuration_tool(), audit);
  absl::StatusOr<ApplyOutcome> out = deps_.changes->Apply(std::move(input), nullptr);
  if (!out.ok()) return out.status();
  if (out->tool_run.has_value()) {
    FillToolRun(*out->tool_run, response->mutable_configuration_tool());
  }
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
  audit->details.insert(audit->details.begin(),
                        {{"backup_id", set.backup_id}, {"reason", request.reason()}});
  audit->details.emplace_back(
      "advanced_settings",
      AdvancedChoiceName(AdvancedChoiceFromProto(request.advanced_settings())));
  if (request.has_lease()) {
    audit->details.emplace_back("lease", absl::FormatDuration(FromProtoDuration(request.lease())));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Set(grpc::CallbackServerContext* context,
                                                const v1::SetEndpointsRequest* request,
                                                v1::SetEndpointsResponse* response) {
  Admission admission = deps_.gate->Admit(context, rpcs::kEndpointsSet);
  std::string owner = OwnerKey(admission.caller);
  return FinishOnLane(context, deps_.lanes, std::move(admission),
                      [this, request, response, owner = std::move(owner)](AuditRecord* audit) {
                        absl::Status s = WithRevisions(*deps_.store, audit, [&] {
                          return DoSet(*request, owner, response, audit);
                        });
                        WipeRequestCredentials(request->configuration_tool());
                        return s;
                      });
}
absl::Status EndpointsService::DoRollback(const v1::RollbackRequest& request,
                                          v1::RollbackResponse* response, AuditRecord* audit) {
  if (absl::Status s = CheckChangeSizes(0, request.expected_revision(), request.reason());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckSize("backup_id", request.backup_id(), kMaxIdBytes); !s.ok()) return s;
  if (absl::Status s = CheckSize("change_id", request.change_id(), kMaxIdBytes); !s.ok()) return s;
  if (!request.change_id().empty() && !request.backup_id().empty()) {
    return absl::InvalidArgumentError(
        "change_id: names the pending change to revert; give it or backup_id, not both");
  }
  absl::StatusOr<ToolRequest> tool = ToolRequestFromProto(request.configuration_tool());
  if (!tool.ok()) return tool.status();
  if (!request.change_id().empty()) audit->change_id = request.change_id();
  absl::StatusOr<RevertOutcome> out =
      request.backup_id().empty()
          ? deps_.changes->RevertPending(request.restart_services(), request.reason(), *tool,
                                         request.change_id())
          : deps_.changes->Restore({request.backup_id(), request.expected_revision(),
                                    request.force(), request.reason()},
                                   request.restart_services(), *tool);
  if (!out.ok()) return out.status();
  if (out->tool_run.has_value()) {
    FillToolRun(*out->tool_run, response->mutable_configuration_tool());
  }
  response->set_previous_revision(out->rollback.previous_revision);
  response->set_revision(out->rollback.revision);
  response->set_backup_id(out->rollback.backup_id);
  FillDiffs(out->rollback.changes, response->mutable_diffs());
  response->set_reverted_change_id(out->reverted_change_id);
  audit->before = out->rollback.previous_revision;
  audit->after = out->rollback.revision;
  audit->change_id = out->reverted_change_id;
  audit->details = {{"backup_id", out->rollback.backup_id}, {"reason", request.reason()}};
  AuditTool(request.configuration_tool(), audit);
  return absl::OkStatus();
}

absl::Status EndpointsService::DoRestart(const v1::RestartChangeRequest& request,
                                         v1::SetEndpointsResponse* response, AuditRecord* audit) {
  if (absl::Status s = CheckSize("change_id", request.change_id(), kMaxIdBytes); !s.ok()) return s;
  if (request.change_id().empty()) {
    return absl::InvalidArgumentError("change_id: required (the change pending confirmation)");
  }
  absl::StatusOr<absl::Duration> min_healthy =
      DurationFromProto(request.min_healthy(), "min_healthy", kMinHealthyBounds);
  if (!min_healthy.ok()) return min_healthy.status();
  audit->change_id = request.change_id();
  absl::StatusOr<ApplyOutcome> out =
      deps_.changes->RestartPending(request.change_id(), *min_healthy, nullptr);
  if (!out.ok()) return out.status();
  response->set_change_id(out->set.change_id);
  response->set_previous_revision(out->set.previous_revision);
  response->set_revision(out->set.revision);
  response->set_backup_id(out->set.backup_id);
  response->set_state(v1::CHANGE_STATE_PENDING);
  *response->mutable_confirm_deadline() = ToTimestamp(out->confirm_deadline);
  *response->mutable_restart_duration() = ToProtoDuration(out->restart_duration);
  audit->before = out->set.revision;
  audit->after = out->set.revision;
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Restart(grpc::CallbackServerContext* context,
                                                    const v1::RestartChangeRequest* request,
                                                    v1::SetEndpointsResponse* response) {
  return FinishOnLane(context, deps_.lanes, deps_.gate->Admit(context, rpcs::kEndpointsRestart),
                      [this, request, response](AuditRecord* audit) {
                        return WithRevisions(*deps_.store, audit,
                                             [&] { return DoRestart(*request, response, audit); });
                      });
}

grpc::ServerUnaryReactor* EndpointsService::Rollback(grpc::CallbackServerContext* context,
                                                     const v1::RollbackRequest* request,
                                                     v1::RollbackResponse* response) {
  return FinishOnLane(context, deps_.lanes, deps_.gate->Admit(context, rpcs::kEndpointsRollback),
                      [this, request, response](AuditRecord* audit) {
                        absl::Status s = WithRevisions(*deps_.store, audit, [&] {
                          return DoRollback(*request, response, audit);
                        });
                        WipeRequestCredentials(request->configuration_tool());
                        return s;
                      });
}

absl::Status EndpointsService::DoConfirm(const v1::ConfirmRequest& request,
                                         v1::ConfirmResponse* response) {
  if (absl::Status s = CheckSize("change_id", request.change_id(), kMaxIdBytes); !s.ok()) return s;
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
  return FinishOnLane(context, deps_.lanes, deps_.gate->Admit(context, rpcs::kEndpointsConfirm),
                      [this, request, response](AuditRecord* audit) {
                        absl::Status s = DoConfirm(*request, response);
                        audit->before = audit->after = deps_.store->CurrentRevision();
                        audit->change_id = s.ok() ? response->change_id() : request->change_id();
                        return s;
                      });
}

absl::Status EndpointsService::DoRenew(const v1::RenewRequest& request, const std::string& owner,
                                       v1::RenewResponse* response, AuditRecord* audit,
                                       bool* audited) {
  if (request.change_id().empty()) {
    return absl::InvalidArgumentError("change_id: required (the change whose lease to renew)");
  }
  if (absl::Status s = CheckSize("change_id", request.change_id(), kMaxIdBytes); !s.ok()) return s;
  absl::StatusOr<absl::Duration> lease =
      DurationFromProto(request.lease(), "lease", {absl::ZeroDuration(), kLeaseBounds.max});
  if (!lease.ok()) return lease.status();
  // Unset: the length granted. Otherwise never below the shortest lease, whoever asks.
  if (*lease != absl::ZeroDuration()) {
    if (absl::Status s = CheckDuration("lease", *lease, kLeaseBounds); !s.ok()) return s;
  }
  audit->change_id = request.change_id();
  audit->before = audit->after = deps_.store->CurrentRevision();
  absl::StatusOr<RenewOutcome> out = deps_.changes->Renew(request.change_id(), *lease, owner);
  if (!out.ok()) {
    *audited = true;  // another client's attempt on a lease: on the record
    return out.status();
  }
  response->set_change_id(request.change_id());
  response->set_state(ToProto(out->status));
  response->set_detail(out->detail);
  if (out->status == ChangeStatus::kPending) {
    response->set_revision(out->revision);
    *response->mutable_lease_remaining() = ToProtoDuration(out->lease_remaining);
    *response->mutable_confirm_remaining() = ToProtoDuration(out->confirm_remaining);
  } else {
    response->set_revision(deps_.store->CurrentRevision());
  }
  if (out->moved) {
    *audited = true;
    audit->details = {{"lease_end_before", WallTime(out->lease_end_before)},
                      {"lease_end_after", WallTime(out->lease_end_after)}};
    if (*lease != absl::ZeroDuration()) {
      audit->details.emplace_back("lease", absl::FormatDuration(*lease));
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Renew(grpc::CallbackServerContext* context,
                                                  const v1::RenewRequest* request,
                                                  v1::RenewResponse* response) {
  // Audited when it moves a lease's end or is refused, without waiting for the disk and
  // never refused for the audit log: a lease must not end because the disk is full.
  Admission admission = deps_.gate->Admit(context, rpcs::kEndpointsRenew);
  std::string owner = OwnerKey(admission.caller);
  return RunAdmitted(context, deps_.lanes, std::move(admission),
                     [this, request, response, owner = std::move(owner)](
                         Admission& a, absl::Status start) -> absl::Status {
                       if (!start.ok()) return start;
                       AuditRecord record;
                       bool audited = false;
                       absl::Status s = DoRenew(*request, owner, response, &record, &audited);
                       if (audited) a.gate->Note(a, std::move(record), s);
                       return s;
                     });
}

}  // namespace osfleet::agent

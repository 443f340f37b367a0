#include "agent/services/endpoints_service.h"

#include <spdlog/spdlog.h>

#include "common/logging.h"

#include "absl/strings/str_cat.h"
#include "agent/proto_convert.h"
#include "agent/services/reactor_util.h"

namespace osfleet::agent {
namespace {

void LogMutation(const grpc::CallbackServerContext* context, absl::string_view rpc,
                 const absl::Status& status) {
  spdlog::info("{} from {}: {}", rpc, context->peer(), status.ok() ? "OK" : status.ToString());
}

}  // namespace

EndpointsService::EndpointsService(HsconfStore* store, Executor* executor,
                                   std::function<void(bool)> on_read)
    : store_(store), executor_(executor), on_read_(std::move(on_read)) {}

absl::Status EndpointsService::DoGet(v1::GetEndpointsResponse* response) {
  absl::StatusOr<HsconfDocument> doc = store_->Read();
  on_read_(doc.ok());
  if (!doc.ok()) return doc.status();
  FillEndpoints(*doc, response);
  response->set_hsconf_path(store_->path());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Get(grpc::CallbackServerContext* context,
                                                const v1::GetEndpointsRequest* request,
                                                v1::GetEndpointsResponse* response) {
  return FinishOnExecutor(context, executor_, [this, response] { return DoGet(response); });
}

grpc::ServerUnaryReactor* EndpointsService::Plan(grpc::CallbackServerContext* context,
                                                 const v1::PlanEndpointsRequest* request,
                                                 v1::PlanEndpointsResponse* response) {
  return FinishOnExecutor(context, executor_, [this, request, response]() -> absl::Status {
    absl::StatusOr<std::vector<EndpointEdit>> edits = EditsFromProto(request->changes());
    if (!edits.ok()) return edits.status();
    absl::StatusOr<PlanOutcome> plan = store_->Plan(*edits, request->expected_revision());
    if (!plan.ok()) return plan.status();
    response->set_revision(plan->revision);
    FillDiffs(plan->changes, response->mutable_diffs());
    for (const std::string& w : plan->warnings) response->add_warnings(w);
    return absl::OkStatus();
  });
}

absl::Status EndpointsService::DoSet(const grpc::CallbackServerContext* context,
                                     const v1::SetEndpointsRequest& request,
                                     v1::SetEndpointsResponse* response) {
  if (request.has_confirm_within() || request.restart_services()) {
    return absl::UnimplementedError(
        "confirm_within and restart_services are not available in this agent version");
  }
  absl::StatusOr<std::vector<EndpointEdit>> edits = EditsFromProto(request.changes());
  if (!edits.ok()) return edits.status();
  absl::StatusOr<SetOutcome> out = store_->Set(
      {*std::move(edits), request.expected_revision(), request.force(), request.reason()});
  if (!out.ok()) return out.status();
  response->set_change_id(out->change_id);
  response->set_previous_revision(out->previous_revision);
  response->set_revision(out->revision);
  FillDiffs(out->changes, response->mutable_diffs());
  response->set_backup_id(out->backup_id);
  for (const std::string& w : out->warnings) response->add_warnings(w);
  response->set_state(out->changes.empty() ? v1::CHANGE_STATE_NO_CHANGE : v1::CHANGE_STATE_APPLIED);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Set(grpc::CallbackServerContext* context,
                                                const v1::SetEndpointsRequest* request,
                                                v1::SetEndpointsResponse* response) {
  return FinishOnExecutor(context, executor_, [this, context, request, response] {
    absl::Status status = DoSet(context, *request, response);
    LogMutation(context, "Endpoints.Set", status);
    return status;
  });
}

grpc::ServerUnaryReactor* EndpointsService::ListBackups(grpc::CallbackServerContext* context,
                                                        const v1::ListBackupsRequest* request,
                                                        v1::ListBackupsResponse* response) {
  return FinishOnExecutor(context, executor_, [this, response]() -> absl::Status {
    absl::StatusOr<std::vector<BackupInfo>> backups = store_->ListBackups();
    if (!backups.ok()) return backups.status();
    for (const BackupInfo& b : *backups) FillBackup(b, response->add_backups());
    return absl::OkStatus();
  });
}

absl::Status EndpointsService::DoRollback(const grpc::CallbackServerContext* context,
                                          const v1::RollbackRequest& request,
                                          v1::RollbackResponse* response) {
  if (request.backup_id().empty()) {
    return absl::InvalidArgumentError("backup_id: empty; see ListBackups");
  }
  absl::StatusOr<RollbackOutcome> out = store_->Rollback(
      {request.backup_id(), request.expected_revision(), request.force(), request.reason()});
  if (!out.ok()) return out.status();
  response->set_previous_revision(out->previous_revision);
  response->set_revision(out->revision);
  response->set_backup_id(out->backup_id);
  FillDiffs(out->changes, response->mutable_diffs());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Rollback(grpc::CallbackServerContext* context,
                                                     const v1::RollbackRequest* request,
                                                     v1::RollbackResponse* response) {
  return FinishOnExecutor(context, executor_, [this, context, request, response] {
    absl::Status status = DoRollback(context, *request, response);
    LogMutation(context, "Endpoints.Rollback", status);
    return status;
  });
}

}  // namespace osfleet::agent

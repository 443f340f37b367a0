// ChangeManager's reverts: of a step that failed after the write, of the pending change by
// request or superseded by a restore, and the timer's when a lease or window has ended.
// The rest of the transaction is in change_manager.cc.
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/endpoints/change_manager.h"
#include "common/api/logging.h"

namespace osfleet::agent {

void ChangeManager::set_auto_revert_hook(AutoRevertHook hook) {
  absl::MutexLock lock(&mu_);
  auto_revert_hook_ = std::move(hook);
}

void ChangeManager::ReportAutoRevert(const AutoRevert& revert) const {
  AutoRevertHook hook;
  {
    absl::MutexLock lock(&mu_);
    hook = auto_revert_hook_;
  }
  if (hook) hook(revert);
}

bool ChangeManager::MustRestart(bool requested, const std::string& revision) const {
  if (requested) return true;
  const std::vector<std::string> lagging = services_->RunningOnOtherThan(revision);
  if (lagging.empty()) return false;
  spdlog::warn(
      "{} {} on another server.hsconf than the one restored (revision {}): restarting the "
      "services, which read it only when they start",
      absl::StrJoin(lagging, ", "), lagging.size() == 1 ? "runs" : "run", revision);
  return true;
}

absl::Status ChangeManager::RevertFailedStep(const SetOutcome& set, const FailedStep& step,
                                             const ToolRequest& tool,
                                             const ServiceEventSink& sink) {
  const std::string reason(step.what);
  absl::StatusOr<RollbackOutcome> back =
      store_->Rollback({set.backup_id, set.revision, false,
                        absl::StrCat("automatic revert of ", set.change_id, ": ", reason)});
  ReportAutoRevert({set.change_id, set.revision,
                    back.ok() ? back->revision : store_->CurrentRevision(), reason, back.status()});
  if (!back.ok()) {
    return absl::InternalError(
        absl::StrCat(step.what, " with the new endpoints (", step.failure.message(),
                     ") and reverting failed too: ", back.status().message()));
  }
  std::string message =
      absl::StrCat("reverted: ", step.what, " with the new endpoints: ", step.failure.message(),
                   "; server.hsconf is back at revision ", set.previous_revision, " (backup ",
                   set.backup_id, ")");
  if (std::optional<ToolRun> again = RunTool(tool)) {
    absl::StrAppend(&message, again->status.ok()
                                  ? absl::StrCat("; ", again->Summary(), " on it")
                                  : absl::StrCat("; on it, ", again->status.message()));
  }
  if (MustRestart(step.restart, back->revision)) {
    if (absl::Status again = RestartAll(sink, absl::ZeroDuration()); !again.ok()) {
      absl::StrAppend(&message,
                      "; restarting with the old endpoints failed too: ", again.message());
    }
  }
  spdlog::error("{}", message);
  return absl::FailedPreconditionError(message);
}

absl::Status ChangeManager::RevertApplied(const SetOutcome& set, bool held, const FailedStep& step,
                                          const ToolRequest& tool, const ServiceEventSink& sink) {
  if (held) SetPending(std::nullopt);
  absl::Status reverted = RevertFailedStep(set, step, tool, sink);
  if (held) pending_file_.Remove().IgnoreError();
  End(set.change_id, ChangeStatus::kReverted, absl::StrCat("reverted: ", step.what));
  return reverted;
}

absl::StatusOr<RevertOutcome> ChangeManager::Revert(const PendingChange& change,
                                                    absl::string_view reason, bool restart,
                                                    const ToolRequest& tool) {
  ToolRequest again = tool;
  if (again.credentials.empty()) again.credentials = HeldCredentials();
  again.install_service_center = tool.install_service_center || change.install_service_center;
  absl::StatusOr<RollbackOutcome> back =
      store_->Rollback({change.backup_id, change.revision, false,
                        absl::StrCat("revert of ", change.change_id, ": ", reason)});
  if (!back.ok()) return back.status();
  if (absl::Status s = pending_file_.Remove(); !s.ok()) return s;
  End(change.change_id, ChangeStatus::kReverted, absl::StrCat("reverted: ", reason));
  spdlog::warn("change {} reverted ({}): revision {} -> {}", change.change_id, reason,
               back->previous_revision, back->revision);
  RevertOutcome out{*back, change.change_id, RunTool(again)};
  if (MustRestart(restart, back->revision)) {
    if (absl::Status s = RestartAll(nullptr, absl::ZeroDuration()); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("reverted ", change.change_id,
                                       ", but the services did not restart: ", s.message()));
    }
  }
  return out;
}

absl::StatusOr<RevertOutcome> ChangeManager::RevertPending(bool restart, absl::string_view reason,
                                                           const ToolRequest& tool,
                                                           absl::string_view change_id) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  std::optional<PendingChange> p = pending();
  if (!change_id.empty() && (!p.has_value() || p->change_id != change_id)) {
    return book_.NotThePending(change_id, p);
  }
  if (!p.has_value()) {
    return absl::FailedPreconditionError(
        "nothing is pending confirmation on this server; name a backup_id (see ListBackups)");
  }
  return Revert(*p, reason.empty() ? "rolled back by request" : reason,
                restart || p->restart_services, tool);
}

absl::StatusOr<RevertOutcome> ChangeManager::Restore(const RollbackInput& input, bool restart,
                                                     const ToolRequest& tool) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  if (tool_ != nullptr) {
    if (absl::Status s = tool_->CheckCredentials(tool.credentials); !s.ok()) return s;
  }
  absl::StatusOr<RollbackOutcome> back = store_->Rollback(input);
  if (!back.ok()) return back.status();
  RevertOutcome out{*back, "", std::nullopt};
  ToolRequest run = tool;
  if (std::optional<PendingChange> p = pending()) {
    out.reverted_change_id = p->change_id;
    // It reverts that change too: as its own revert would.
    run.install_service_center = run.install_service_center || p->install_service_center;
    pending_file_.Remove().IgnoreError();
    End(p->change_id, ChangeStatus::kReverted,
        absl::StrCat("reverted: superseded by a restore of backup ", input.backup_id));
  }
  out.tool_run = RunTool(run);
  if (MustRestart(restart, back->revision)) {
    if (absl::Status s = RestartAll(nullptr, absl::ZeroDuration()); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("restored backup ", input.backup_id,
                                       ", but the services did not restart: ", s.message()));
    }
  }
  return out;
}

bool ChangeManager::Stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void ChangeManager::TimerLoop() {
  while (!Stopping()) {
    std::optional<PendingChange> change = pending();
    if (!change.has_value() || !book_.HasEnded(*change)) {
      alarm_.WaitUntil(change.has_value() ? change->ends() : absl::InfiniteDuration());
      continue;  // rung (a change came or went), or due: look again
    }
    AutoRevert report;
    {
      Busy busy(this, /*wait=*/true);
      std::optional<PendingChange> now = pending();
      // Confirmed, superseded or renewed while we waited for the token: look again.
      if (!now.has_value() || now->change_id != change->change_id || !book_.HasEnded(*now)) {
        continue;
      }
      report = RevertEnded(*now);
    }
    // Once the token is free: whoever hears of the revert may change the file at once.
    ReportAutoRevert(report);
  }
}

AutoRevert ChangeManager::RevertEnded(const PendingChange& change) {
  const std::string reason = book_.EndReason(change);
  absl::StatusOr<RevertOutcome> r = Revert(change, reason, change.restart_services, {});
  AutoRevert report{change.change_id, change.revision,
                    r.ok() ? r->rollback.revision : store_->CurrentRevision(), reason, r.status()};
  if (!r.ok()) {
    // Not retried in a loop: the record stays on disk, so the next start retries.
    spdlog::error("automatic revert of {} failed: {}", change.change_id, r.status().message());
    End(change.change_id, ChangeStatus::kReverting,
        absl::StrCat(reason, "; reverting it failed (", r.status().message(),
                     "); the agent retries when it starts again"));
  }
  return report;
}

}  // namespace osfleet::agent

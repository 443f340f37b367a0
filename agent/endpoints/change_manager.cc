#include "agent/endpoints/change_manager.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/api/logging.h"

namespace osfleet::agent {
namespace {

void LogEvent(const ServiceEvent& e) {
  spdlog::info("service '{}': {}{}{}", e.service, ServiceStateName(e.state),
               e.detail.empty() ? "" : ": ", e.detail);
}

}  // namespace

ChangeManager::ChangeManager(HsconfStore* store, ServiceManager* services, std::string pending_path,
                             absl::Duration min_healthy, const Clock* clock)
    : store_(store),
      services_(services),
      pending_file_(std::move(pending_path)),
      min_healthy_(min_healthy),
      clock_(clock),
      book_(clock),
      alarm_(clock),
      timer_([this] { TimerLoop(); }) {
  if (store_->backups() != nullptr) {
    store_->backups()->set_pinned([this] { return PinnedBackups(); });
  }
}

ChangeManager::~ChangeManager() {
  if (store_->backups() != nullptr) store_->backups()->set_pinned(nullptr);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  alarm_.Ring();
  timer_.join();
}

std::optional<PendingChange> ChangeManager::pending() const { return book_.pending(); }

std::vector<std::string> ChangeManager::PinnedBackups() const {
  std::vector<std::string> ids;
  if (std::optional<PendingChange> p = pending()) ids.push_back(p->backup_id);
  // Also a record whose revert failed (kept on disk for the next start to retry).
  absl::StatusOr<std::optional<PendingChange>> on_disk = pending_file_.Load();
  if (on_disk.ok() && on_disk->has_value()) ids.push_back((*on_disk)->backup_id);
  return ids;
}

// Callers hold the token (or run before it is contended: Recover), so the credentials and the
// book never disagree where anyone looks.
void ChangeManager::SetPending(std::optional<PendingChange> change) {
  if (!change.has_value()) {
    absl::MutexLock lock(&mu_);
    held_credentials_.clear();  // gone with the change
  }
  book_.SetPending(std::move(change));
  alarm_.Ring();
}

void ChangeManager::End(const std::string& change_id, ChangeStatus status, std::string detail) {
  {
    absl::MutexLock lock(&mu_);
    held_credentials_.clear();  // gone with the change
  }
  book_.End(change_id, status, std::move(detail));
  alarm_.Ring();
}

absl::Status ChangeManager::Recover() {
  absl::StatusOr<std::optional<PendingChange>> loaded = pending_file_.Load();
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) return absl::OkStatus();
  absl::StatusOr<bool> written = StillAsWritten(**loaded);
  if (!written.ok()) return written.status();
  if (!*written) return pending_file_.Remove();
  const PendingChange resumed = book_.Resumed(**loaded);
  spdlog::warn("change {} is pending confirmation until {}{}", resumed.change_id,
               DeadlineText(resumed.deadline),
               resumed.has_lease()
                   ? absl::StrCat(", held by a lease of ", absl::FormatDuration(resumed.lease))
                   : "");
  SetPending(resumed);  // the timer reverts it when it ends (at once if it has)
  return absl::OkStatus();
}

absl::StatusOr<bool> ChangeManager::StillAsWritten(const PendingChange& change) const {
  absl::StatusOr<HsconfDocument> doc = store_->Read();
  if (!doc.ok()) return doc.status();
  if (doc->revision == change.backup_revision) {
    spdlog::warn("pending change {} was never written (the agent stopped before); forgetting it",
                 change.change_id);
    return false;
  }
  if (doc->revision != change.revision) {
    spdlog::error(
        "pending change {}: server.hsconf was changed outside osagent (revision {}); "
        "not reverting it",
        change.change_id, doc->revision);
    return false;
  }
  return true;
}

absl::Status ChangeManager::RestartAll(const ServiceEventSink& sink, absl::Duration min_healthy) {
  return services_->Control(ServiceAction::kRestart, {},
                            min_healthy > absl::ZeroDuration() ? min_healthy : min_healthy_,
                            [&sink](const ServiceEvent& e) {
                              LogEvent(e);
                              if (sink) sink(e);
                            });
}

absl::Status ChangeManager::TimedRestart(const ServiceEventSink& sink, absl::Duration min_healthy,
                                         absl::Duration* took) {
  const absl::Time t0 = clock_->Now();
  absl::Status restarted = RestartAll(sink, min_healthy);
  *took = clock_->Now() - t0;
  return restarted;
}

std::optional<ToolRun> ChangeManager::RunTool(const ToolRequest& request) const {
  if (tool_ == nullptr) return std::nullopt;
  ToolRun run = tool_->Apply(request);
  if (run.status.ok()) {
    spdlog::info("{}", run.Summary());
  } else {
    spdlog::error("{}: {}", run.Summary(), run.status.message());
  }
  return run;
}

ToolCredentials ChangeManager::HeldCredentials() const {
  absl::MutexLock lock(&mu_);
  return held_credentials_;
}

absl::StatusOr<ApplyOutcome> ChangeManager::Apply(ApplyInput input, const ServiceEventSink& sink) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  if (absl::Status s = CheckApply(input); !s.ok()) return s;
  std::optional<PendingChange> record;  // set when the change has a confirm window
  absl::StatusOr<SetOutcome> set = Write(input, &record);
  if (!set.ok()) return set.status();
  ApplyOutcome out;
  out.set = *set;
  if (set->changes.empty()) return out;  // nothing written: nothing to restart or confirm
  if (record.has_value()) HoldWhileApplying(*record, input.tool.credentials);
  if (absl::Status s = FinishWrite(input, record.has_value(), sink, &out); !s.ok()) return s;
  if (record.has_value()) {
    if (absl::Status s = StartWindow(&*record); !s.ok()) return s;
    out.pending = true;
    out.confirm_deadline = record->deadline;
  }
  return out;
}

absl::Status ChangeManager::CheckApply(const ApplyInput& input) const {
  if (absl::Status s = book_.CheckNonePending(); !s.ok()) return s;
  if (input.restart_services && services_->Names().empty()) {
    return absl::FailedPreconditionError(
        "restart_services: this agent has no services configured (agent config `services:`)");
  }
  if (tool_ != nullptr) return tool_->CheckCredentials(input.tool.credentials);
  return absl::OkStatus();
}

absl::StatusOr<SetOutcome> ChangeManager::Write(const ApplyInput& input,
                                                std::optional<PendingChange>* record) {
  SetInput set_input = input.set;
  if (input.confirm_within > absl::ZeroDuration()) {
    set_input.before_write = [this, record, &input](const std::string& id, const BackupInfo& backup,
                                                    const std::string& revision) {
      PendingChange change;
      change.change_id = id;
      change.backup_id = backup.id;
      change.backup_revision = backup.revision;
      change.revision = revision;
      change.restart_services = input.restart_services;
      change.window = input.confirm_within;
      change.lease = input.lease;
      change.install_service_center = input.tool.install_service_center;
      change.owner = input.owner;
      *record = book_.Opened(std::move(change));
      return pending_file_.Save(**record);
    };
  }
  absl::StatusOr<SetOutcome> set = store_->Set(set_input);
  if (!set.ok() && record->has_value()) pending_file_.Remove().IgnoreError();
  return set;
}

void ChangeManager::HoldWhileApplying(const PendingChange& record,
                                      const ToolCredentials& credentials) {
  {
    absl::MutexLock lock(&mu_);
    held_credentials_ = credentials;
  }
  SetPending(record);
}

absl::Status ChangeManager::FinishWrite(const ApplyInput& input, bool held,
                                        const ServiceEventSink& sink, ApplyOutcome* out) {
  out->tool_run = RunTool(input.tool);
  if (out->tool_run.has_value() && !out->tool_run->status.ok()) {
    return RevertApplied(out->set, held,
                         {"the Configuration Tool failed", out->tool_run->status, false},
                         input.tool, sink);
  }
  if (!input.restart_services) return absl::OkStatus();
  absl::Status restarted = TimedRestart(sink, input.min_healthy, &out->restart_duration);
  if (restarted.ok()) return absl::OkStatus();
  return RevertApplied(out->set, held, {"services failed to start", restarted, true}, input.tool,
                       sink);
}

absl::Status ChangeManager::StartWindow(PendingChange* record) {
  *record = book_.Started(std::move(*record));
  if (absl::Status s = pending_file_.Save(*record); !s.ok()) return s;
  SetPending(*record);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ChangeManager::Confirm(absl::string_view change_id) {
  // An ended change is refused even while its revert holds the token.
  std::optional<PendingChange> p = pending();
  if (p.has_value() && (change_id.empty() || change_id == p->change_id)) {
    if (absl::Status s = book_.CheckRunning(*p, "confirmed"); !s.ok()) return s;
  }
  // A change already decided (confirmed, or reverted: its revert may still hold the token
  // for a moment) is answered as such, never with "another change is in progress".
  if (!p.has_value() || (!change_id.empty() && change_id != p->change_id)) {
    if (std::optional<absl::StatusOr<std::string>> ended = book_.ConfirmAnswer(change_id)) {
      return *ended;
    }
  }
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  p = pending();
  if (!p.has_value()) {
    if (std::optional<absl::StatusOr<std::string>> ended = book_.ConfirmAnswer(change_id)) {
      return *ended;
    }
    return absl::NotFoundError(
        change_id.empty() ? std::string("no change is pending confirmation on this server")
                          : absl::StrCat("change ", change_id, " is not pending on this server"));
  }
  if (!change_id.empty() && change_id != p->change_id) {
    return absl::NotFoundError(
        absl::StrCat("change ", change_id, " is not pending here; ", p->change_id, " is"));
  }
  if (absl::Status s = book_.CheckRunning(*p, "confirmed"); !s.ok()) return s;
  if (absl::Status s = pending_file_.Remove(); !s.ok()) return s;
  End(p->change_id, ChangeStatus::kConfirmed, "confirmed");
  spdlog::info("change {} confirmed", p->change_id);
  return p->change_id;
}

absl::StatusOr<RenewOutcome> ChangeManager::Renew(absl::string_view change_id, absl::Duration lease,
                                                  absl::string_view owner) {
  absl::StatusOr<RenewOutcome> out = book_.Renew(change_id, lease, owner);
  // An extended lease costs the timer no wake-up (it finds the later end when it wakes at
  // the earlier one); an earlier end must wake it, or the revert would wait for the old one.
  if (out.ok() && out->moved && out->lease_end_after < out->lease_end_before) alarm_.Ring();
  return out;
}

absl::StatusOr<ApplyOutcome> ChangeManager::RestartPending(absl::string_view change_id,
                                                           absl::Duration min_healthy,
                                                           const ServiceEventSink& sink) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  std::optional<PendingChange> p = pending();
  if (!p.has_value() || p->change_id != change_id) {
    return absl::NotFoundError(
        absl::StrCat("change ", change_id, " is not pending on this server",
                     p.has_value() ? absl::StrCat("; ", p->change_id, " is") : std::string()));
  }
  if (absl::Status s = book_.CheckRunning(*p, "restarted"); !s.ok()) return s;
  if (services_->Names().empty()) {
    return absl::FailedPreconditionError(
        "restart: this agent has no services configured (agent config `services:`)");
  }
  ApplyOutcome out;
  out.set = {p->change_id, p->backup_revision, p->revision, {}, p->backup_id, {}};
  out.pending = true;
  out.confirm_deadline = p->deadline;
  absl::Status restarted = TimedRestart(sink, min_healthy, &out.restart_duration);
  if (restarted.ok()) return out;
  const ToolRequest tool{p->install_service_center, HeldCredentials()};  // as the change ran
  return RevertApplied(out.set, /*held=*/true, {"services failed to start", restarted, true}, tool,
                       sink);
}

}  // namespace osfleet::agent

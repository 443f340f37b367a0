#include "agent/endpoints/change_manager.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/revision.h"

namespace osfleet::agent {
namespace {

std::string When(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

void LogEvent(const ServiceEvent& e) {
  spdlog::info("service '{}': {}{}{}", e.service, ServiceStateName(e.state),
               e.detail.empty() ? "" : ": ", e.detail);
}

}  // namespace

class ChangeManager::Busy {
 public:
  // wait: block until free (the timer); otherwise fail at once with ABORTED.
  Busy(ChangeManager* m, bool wait) : m_(m) {
    absl::MutexLock lock(&m_->mu_);
    if (wait) {
      m_->mu_.Await(absl::Condition(
          +[](bool* busy) { return !*busy; }, &m_->busy_));
    } else if (m_->busy_) {
      status_ = absl::AbortedError("another change is in progress on this server; try again");
      return;
    }
    m_->busy_ = true;
  }
  ~Busy() {
    if (!status_.ok()) return;
    absl::MutexLock lock(&m_->mu_);
    m_->busy_ = false;
  }
  const absl::Status& status() const { return status_; }

 private:
  ChangeManager* m_;
  absl::Status status_;
};

ChangeManager::ChangeManager(HsconfStore* store, ServiceManager* services, std::string pending_path,
                             absl::Duration min_healthy, const Clock* clock)
    : store_(store),
      services_(services),
      pending_file_(std::move(pending_path)),
      min_healthy_(min_healthy),
      clock_(clock),
      timer_([this] { TimerLoop(); }) {}

ChangeManager::~ChangeManager() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  timer_.join();
}

std::optional<PendingChange> ChangeManager::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_;
}

void ChangeManager::SetPending(std::optional<PendingChange> change) {
  absl::MutexLock lock(&mu_);
  pending_ = std::move(change);
  ++generation_;
}

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

absl::Status ChangeManager::Recover() {
  absl::StatusOr<std::optional<PendingChange>> loaded = pending_file_.Load();
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) return absl::OkStatus();
  const PendingChange& change = **loaded;
  absl::StatusOr<HsconfDocument> doc = store_->Read();
  if (!doc.ok()) return doc.status();
  if (doc->revision == change.backup_revision) {
    spdlog::warn("pending change {} was never written (the agent stopped before); forgetting it",
                 change.change_id);
    return pending_file_.Remove();
  }
  if (doc->revision != change.revision) {
    spdlog::error(
        "pending change {}: server.hsconf was changed outside osagent (revision {}); "
        "not reverting it",
        change.change_id, ShortRevision(doc->revision));
    return pending_file_.Remove();
  }
  spdlog::warn("change {} is pending confirmation until {}", change.change_id,
               When(change.deadline));
  SetPending(change);  // the timer reverts it at the deadline (at once if it passed)
  return absl::OkStatus();
}

absl::Status ChangeManager::RestartAll(const ServiceEventSink& sink, absl::Duration min_healthy) {
  return services_->Control(ServiceAction::kRestart, {},
                            min_healthy > absl::ZeroDuration() ? min_healthy : min_healthy_,
                            [&sink](const ServiceEvent& e) {
                              LogEvent(e);
                              if (sink) sink(e);
                            });
}

absl::Status ChangeManager::RevertAfterFailedRestart(const SetOutcome& set,
                                                     const absl::Status& failure,
                                                     const ServiceEventSink& sink) {
  absl::StatusOr<RollbackOutcome> back = store_->Rollback(
      {set.backup_id, set.revision, false,
       absl::StrCat("automatic revert of ", set.change_id, ": services failed to start")});
  ReportAutoRevert({set.change_id, set.revision,
                    back.ok() ? back->revision : store_->CurrentRevision(),
                    "services failed to start", back.status()});
  if (!back.ok()) {
    return absl::InternalError(
        absl::StrCat("services failed to start with the new endpoints (", failure.message(),
                     ") and reverting failed too: ", back.status().message()));
  }
  absl::Status again = RestartAll(sink, absl::ZeroDuration());
  std::string message =
      absl::StrCat("reverted: services failed to start with the new endpoints: ", failure.message(),
                   "; server.hsconf is back at revision ", ShortRevision(set.previous_revision),
                   " (backup ", set.backup_id, ")");
  if (!again.ok()) {
    absl::StrAppend(&message, "; restarting with the old endpoints failed too: ", again.message());
  }
  spdlog::error("{}", message);
  return absl::FailedPreconditionError(message);
}

absl::StatusOr<ApplyOutcome> ChangeManager::Apply(ApplyInput input, const ServiceEventSink& sink) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  if (std::optional<PendingChange> p = pending()) {
    return absl::AbortedError(absl::StrCat("change ", p->change_id,
                                           " is pending confirmation until ", When(p->deadline),
                                           "; confirm or roll it back first"));
  }
  if (input.restart_services && services_->Names().empty()) {
    return absl::FailedPreconditionError(
        "restart_services: this agent has no services configured (agent config `services:`)");
  }
  const bool window = input.confirm_within > absl::ZeroDuration();
  PendingChange record;
  if (window) {
    input.set.before_write = [&](const std::string& id, const BackupInfo& backup,
                                 const std::string& revision) {
      record = {id,
                backup.id,
                backup.revision,
                revision,
                clock_->Now() + input.confirm_within,
                input.restart_services};
      return pending_file_.Save(record);
    };
  }
  absl::StatusOr<SetOutcome> set = store_->Set(input.set);
  if (!set.ok()) {
    if (window && !record.change_id.empty()) pending_file_.Remove().IgnoreError();
    return set.status();
  }
  ApplyOutcome out{*set};
  if (set->changes.empty()) return out;  // nothing written: nothing to restart or confirm
  // Visible (Endpoints.Get) while the services restart, so that a client that lost this
  // call can tell the change exists; the timer waits for us (Busy) before acting on it.
  if (window) SetPending(record);
  if (input.restart_services) {
    const absl::Time t0 = clock_->Now();
    absl::Status restarted = RestartAll(sink, input.min_healthy);
    out.restart_duration = clock_->Now() - t0;
    if (!restarted.ok()) {
      if (window) SetPending(std::nullopt);
      absl::Status reverted = RevertAfterFailedRestart(*set, restarted, sink);
      if (window) pending_file_.Remove().IgnoreError();
      return reverted;
    }
  }
  if (window) {
    record.deadline = clock_->Now() + input.confirm_within;  // the window starts once healthy
    if (absl::Status s = pending_file_.Save(record); !s.ok()) return s;
    SetPending(record);
    out.pending = true;
    out.confirm_deadline = record.deadline;
  }
  return out;
}

absl::StatusOr<std::string> ChangeManager::Confirm(absl::string_view change_id) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  std::optional<PendingChange> p = pending();
  if (!p.has_value()) {
    absl::MutexLock lock(&mu_);
    if (!change_id.empty() && change_id == last_confirmed_) return last_confirmed_;
    return absl::NotFoundError(
        change_id.empty() ? std::string("no change is pending confirmation on this server")
                          : absl::StrCat("change ", change_id, " is not pending on this server"));
  }
  if (!change_id.empty() && change_id != p->change_id) {
    return absl::NotFoundError(
        absl::StrCat("change ", change_id, " is not pending here; ", p->change_id, " is"));
  }
  if (clock_->Now() >= p->deadline) {
    return absl::FailedPreconditionError(absl::StrCat("the confirm window of ", p->change_id,
                                                      " ended at ", When(p->deadline),
                                                      "; it is being reverted"));
  }
  if (absl::Status s = pending_file_.Remove(); !s.ok()) return s;
  SetPending(std::nullopt);
  {
    absl::MutexLock lock(&mu_);
    last_confirmed_ = p->change_id;
  }
  spdlog::info("change {} confirmed", p->change_id);
  return p->change_id;
}

absl::StatusOr<RevertOutcome> ChangeManager::Revert(const PendingChange& change,
                                                    absl::string_view reason, bool restart) {
  absl::StatusOr<RollbackOutcome> back =
      store_->Rollback({change.backup_id, change.revision, false,
                        absl::StrCat("revert of ", change.change_id, ": ", reason)});
  if (!back.ok()) return back.status();
  if (absl::Status s = pending_file_.Remove(); !s.ok()) return s;
  SetPending(std::nullopt);
  spdlog::warn("change {} reverted ({}): revision {} -> {}", change.change_id, reason,
               ShortRevision(back->previous_revision), ShortRevision(back->revision));
  if (restart) {
    if (absl::Status s = RestartAll(nullptr, absl::ZeroDuration()); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("reverted ", change.change_id,
                                       ", but the services did not restart: ", s.message()));
    }
  }
  return RevertOutcome{*back, change.change_id};
}

absl::StatusOr<RevertOutcome> ChangeManager::RevertPending(bool restart, absl::string_view reason) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  std::optional<PendingChange> p = pending();
  if (!p.has_value()) {
    return absl::FailedPreconditionError(
        "nothing is pending confirmation on this server; name a backup_id (see ListBackups)");
  }
  return Revert(*p, reason.empty() ? "rolled back by request" : reason,
                restart || p->restart_services);
}

absl::StatusOr<RevertOutcome> ChangeManager::Restore(const RollbackInput& input, bool restart) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  absl::StatusOr<RollbackOutcome> back = store_->Rollback(input);
  if (!back.ok()) return back.status();
  RevertOutcome out{*back, ""};
  if (std::optional<PendingChange> p = pending()) {
    out.reverted_change_id = p->change_id;
    pending_file_.Remove().IgnoreError();
    SetPending(std::nullopt);
  }
  if (restart) {
    if (absl::Status s = RestartAll(nullptr, absl::ZeroDuration()); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("restored backup ", input.backup_id,
                                       ", but the services did not restart: ", s.message()));
    }
  }
  return out;
}

void ChangeManager::TimerLoop() {
  mu_.Lock();
  while (!stopping_) {
    if (!pending_.has_value()) {
      mu_.Await(absl::Condition(
          +[](ChangeManager* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) {
            return m->stopping_ || m->pending_.has_value();
          },
          this));
      continue;
    }
    const uint64_t generation = generation_;
    const PendingChange change = *pending_;
    auto changed = [this, generation]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || generation_ != generation;
    };
    if (clock_->AwaitWithDeadline(&mu_, absl::Condition(&changed), change.deadline)) continue;
    mu_.Unlock();
    {
      Busy busy(this, /*wait=*/true);
      if (pending().has_value() && pending()->change_id == change.change_id) {
        const std::string reason = absl::StrCat("not confirmed by ", When(change.deadline));
        absl::StatusOr<RevertOutcome> r = Revert(change, reason, change.restart_services);
        ReportAutoRevert({change.change_id, change.revision,
                          r.ok() ? r->rollback.revision : store_->CurrentRevision(), reason,
                          r.status()});
        if (!r.ok()) {
          // Not retried in a loop: the record stays on disk, so the next start retries.
          spdlog::error("automatic revert of {} failed: {}", change.change_id,
                        r.status().message());
          SetPending(std::nullopt);
        }
      }
    }
    mu_.Lock();
  }
  mu_.Unlock();
}

}  // namespace osfleet::agent

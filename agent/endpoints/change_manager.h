// Endpoint changes with service restarts and a confirm window (commit-confirmed): write,
// restart, verify healthy; a failed restart reverts at once; a change made with a
// confirm window is reverted by the agent itself unless confirmed in time — also after
// the agent was restarted inside the window. One change at a time; while a change is
// pending confirmation, no other change is accepted.
//
// A change may also be held by a lease: the client that made it renews it (Renew) while
// it works; when renewals stop (the client died, was paused or cut off) the change is
// reverted one lease later, long before the window ends. Once a lease or window has
// ended, nothing renews or confirms the change any more: its revert is decided. Windows
// and leases run on the monotonic clock; one timer thread sleeps until the earliest end.
//
// The pending change, its window and lease arithmetic and how recent changes ended are kept
// by a ChangeBook (change_book.h); this class runs the transaction around it: the record on
// disk, the write, the Configuration Tool, the restarts, the reverts and the timer.
//
// Every revert (a lease or window that ended, a failed step, a rollback or restore by
// request, also after an agent restart) restarts the services when any of them runs on
// another revision of server.hsconf than the one restored (RunningRevisions), whatever
// the change itself did: OutSystems services read the file only when they start.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/configuration_tool/configuration_tool.h"
#include "agent/endpoints/change_book.h"
#include "agent/endpoints/hsconf_store.h"
#include "agent/endpoints/pending_change.h"
#include "agent/outsystems_services/service_manager.h"
#include "common/time/alarm.h"
#include "common/time/clock.h"

namespace osfleet::agent {

struct ApplyInput {
  SetInput set;
  absl::Duration confirm_within = absl::ZeroDuration();  // zero: final at once
  bool restart_services = false;
  absl::Duration min_healthy = absl::Duration();  // negative/zero default: configured value
  absl::Duration lease = absl::ZeroDuration();    // zero: no lease; else at most the window
  ToolRequest tool;  // for the Configuration Tool's run after the write (when configured)
  // Who asks (the caller's OwnerKey): the pending change is theirs, its lease renewable by
  // them alone. Kept in the pending-change record, so an agent restart keeps it.
  std::string owner;
};

struct ApplyOutcome {
  SetOutcome set;
  bool pending = false;
  absl::Time confirm_deadline{};
  absl::Duration restart_duration{};
  std::optional<ToolRun> tool_run;  // the Configuration Tool's run after the write
};

struct RevertOutcome {
  RollbackOutcome rollback;
  std::string reverted_change_id;   // set when the pending change was reverted
  std::optional<ToolRun> tool_run;  // the Configuration Tool's run on the restored file
};

// An automatic revert (confirm window ended, or services failed to start after a change):
// what was reverted, the revisions around it and how it ended.
struct AutoRevert {
  std::string change_id;
  std::string before;  // revision reverted from
  std::string after;   // revision now
  std::string reason;
  absl::Status status;
};
using AutoRevertHook = std::function<void(const AutoRevert&)>;

class ChangeManager {
 public:
  // `clock` times the confirm windows (tests pass one they move by hand).
  ChangeManager(HsconfStore* store, ServiceManager* services, std::string pending_path,
                absl::Duration min_healthy, const Clock* clock = Clock::Real());
  ~ChangeManager();  // stops the timer; a pending change stays recorded on disk

  // The Configuration Tool run after every write, reverts included (null: none). Set
  // before Recover(); it must outlive this object.
  void set_configuration_tool(const ConfigurationTool* tool) { tool_ = tool; }

  // Picks up a change left pending by an earlier run: reverts it now if its window
  // ended, else arms the timer. Call once at start-up.
  absl::Status Recover();

  absl::StatusOr<ApplyOutcome> Apply(ApplyInput input, const ServiceEventSink& sink);
  // change_id empty: the pending change, whichever it is. FAILED_PRECONDITION once its
  // lease or window has ended.
  absl::StatusOr<std::string> Confirm(absl::string_view change_id);
  // Sets the lease of the pending change `change_id` to end `lease` from now (zero: the
  // length it was granted; shorter: the owner shortening it — the caller checked it is
  // within kLeaseBounds) unless it has ended; never past the window. Answers with where
  // the change stands. PERMISSION_DENIED naming the owner when `owner` is not the one who
  // made the change. A shortened lease's revert comes when it ends (the timer is woken).
  // Takes only the book's lock: never waits behind a change or a restart.
  absl::StatusOr<RenewOutcome> Renew(absl::string_view change_id, absl::Duration lease,
                                     absl::string_view owner);
  // Restarts the services for the pending change `change_id` (made without a restart) and
  // waits until healthy; a failed start reverts it at once, as in Apply.
  absl::StatusOr<ApplyOutcome> RestartPending(absl::string_view change_id,
                                              absl::Duration min_healthy,
                                              const ServiceEventSink& sink);
  // Reverts the pending change now. `tool`: for the Configuration Tool's run on the
  // restored file; its credentials empty: the change's own. /InstallServiceCenter is added
  // when asked or when the change's own run added it.
  // `change_id` not empty: only if the pending change is that one (a client never reverts
  // a change another client made): FAILED_PRECONDITION naming the pending change when
  // another is pending, NOT_FOUND when none is, and for a change that has just ended what
  // Confirm answers (FAILED_PRECONDITION "... reverted: ...").
  absl::StatusOr<RevertOutcome> RevertPending(bool restart, absl::string_view reason,
                                              const ToolRequest& tool = {},
                                              absl::string_view change_id = {});
  // Restores a named backup (a pending change, if any, is superseded and forgotten); the
  // tool runs on it as `tool` asks (with /InstallServiceCenter also when the superseded
  // change's run had it).
  absl::StatusOr<RevertOutcome> Restore(const RollbackInput& input, bool restart,
                                        const ToolRequest& tool = {});

  std::optional<PendingChange> pending() const;
  const Clock* clock() const { return clock_; }

  // Called after every automatic revert (for the audit log). Set before Recover().
  void set_auto_revert_hook(AutoRevertHook hook);

 private:
  class Busy;  // the one-operation-at-a-time token
  // A step after the write that failed: what it was, how, and whether its revert restarts
  // the services.
  struct FailedStep {
    absl::string_view what;  // "the Configuration Tool failed", "services failed to start"
    absl::Status failure;
    bool restart = false;
  };

  // change_manager.cc: Recover's check, Apply's steps in order, the tool and restarts.
  // Whether server.hsconf is as the recorded change left it (false, logged, when the
  // change was never written or the file was changed outside osagent since).
  absl::StatusOr<bool> StillAsWritten(const PendingChange& change) const;
  // Why no change can be made now (one is pending; no services to restart; credentials).
  absl::Status CheckApply(const ApplyInput& input) const;
  // Writes the change; with a window, its record (`*record`) is saved before the file
  // changes, so that an agent stopped in between still finds it; a failed write takes it
  // away again.
  absl::StatusOr<SetOutcome> Write(const ApplyInput& input, std::optional<PendingChange>* record);
  // Visible (Endpoints.Get) while the tool runs and the services restart, so that a client
  // that lost the Apply can tell the change exists; the timer waits for the token.
  void HoldWhileApplying(const PendingChange& record, const ToolCredentials& credentials);
  // The Configuration Tool's run and the restart after the write; a failed one reverts the
  // change at once (the pending one with it when `held`).
  absl::Status FinishWrite(const ApplyInput& input, bool held, const ServiceEventSink& sink,
                           ApplyOutcome* out);
  // Healthy: the window and lease of `*record` start now, on disk and in the book.
  absl::Status StartWindow(PendingChange* record);

  // The Configuration Tool's `apply` run on the file as it is now; nullopt when none is
  // configured. Logged (masked).
  std::optional<ToolRun> RunTool(const ToolRequest& request) const;
  // The credentials held for the pending change (memory only).
  ToolCredentials HeldCredentials() const;
  absl::Status RestartAll(const ServiceEventSink& sink, absl::Duration min_healthy);
  // RestartAll, and how long it took into *took.
  absl::Status TimedRestart(const ServiceEventSink& sink, absl::Duration min_healthy,
                            absl::Duration* took);
  // The book's pending change changes (the timer is woken): set, or gone with its
  // credentials.
  void SetPending(std::optional<PendingChange> change);
  // `change_id` ended (ChangeBook::End); its credentials go with it, the timer is woken.
  void End(const std::string& change_id, ChangeStatus status, std::string detail);
  // The backups rotation must keep: the pending change's, in memory and on disk.
  std::vector<std::string> PinnedBackups() const;

  // change_manager_revert.cc: the reverts and the timer.
  // Reverts the change `set` wrote after `step` failed: its record too when it was `held`
  // as the pending change; it is remembered as reverted.
  absl::Status RevertApplied(const SetOutcome& set, bool held, const FailedStep& step,
                             const ToolRequest& tool, const ServiceEventSink& sink);
  // Restores the file `set` replaced, runs the tool on it again as the change did (`tool`),
  // restarts the services when the step asks or MustRestart, and answers
  // FAILED_PRECONDITION "reverted: ...".
  absl::Status RevertFailedStep(const SetOutcome& set, const FailedStep& step,
                                const ToolRequest& tool, const ServiceEventSink& sink);
  absl::StatusOr<RevertOutcome> Revert(const PendingChange& change, absl::string_view reason,
                                       bool restart, const ToolRequest& tool);
  // Whether restoring the file at `revision` must restart the services: asked to, or some
  // running service was not started on it (services read server.hsconf only at start, so
  // a revert that trusted the change's own restart flag could leave them on the address
  // just taken away).
  bool MustRestart(bool requested, const std::string& revision) const;
  void TimerLoop();
  bool Stopping() const;
  // Reverts a change whose lease or window ended; what to report once the token is free.
  AutoRevert RevertEnded(const PendingChange& change);
  void ReportAutoRevert(const AutoRevert& revert) const;

  HsconfStore* store_;
  ServiceManager* services_;
  PendingChangeFile pending_file_;
  absl::Duration min_healthy_;
  const Clock* clock_;
  const ConfigurationTool* tool_ = nullptr;
  ChangeBook book_;  // thread-safe on its own lock

  mutable absl::Mutex mu_;
  ToolCredentials held_credentials_ ABSL_GUARDED_BY(mu_);  // the pending change's
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  AutoRevertHook auto_revert_hook_ ABSL_GUARDED_BY(mu_);
  Alarm alarm_;  // rung whenever the pending change is set, ended or renewed earlier, and to stop
  std::thread timer_;
};

// The one-operation-at-a-time token: a change, a revert, a restore or the timer's revert
// runs alone (taken in change_manager.cc and change_manager_revert.cc).
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

}  // namespace osfleet::agent

// Rollout: holding the leases, and stopping without a split fleet — every changed
// server back on the old address (or, with --on-failure keep, what is still held
// confirmed), retrying the servers that do not answer for a while.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/time/duration.h"
#include "ctl/ops/needed_credentials.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

constexpr absl::Duration kRestartCallDeadline = absl::Minutes(15);
// How long a stopping rollout keeps trying to reach a server to bring it back, beyond
// the lease after which a pending server reverts by itself anyway.
constexpr absl::Duration kConvergeGrace = absl::Seconds(10);

}  // namespace

absl::Status Rollout::StartLeases() {
  absl::StatusOr<absl::Duration> lease = ParseDuration(journal_.options.lease, "--lease");
  if (!lease.ok()) return lease.status();
  if (*lease <= absl::ZeroDuration()) return absl::OkStatus();  // a journal from before leases
  leases_ = std::make_unique<LeaseKeeper>(*lease, ctx_.fanout().concurrency);
  return absl::OkStatus();
}

void Rollout::HoldLeases() {
  if (leases_ == nullptr) return;
  const std::vector<size_t> pending = HostsIn(-1, HostState::kPending);
  const std::vector<Target> targets = TargetsFor(pending);
  for (size_t k = 0; k < pending.size(); ++k) {
    const HostRecord& h = journal_.hosts[pending[k]];
    leases_->Hold({h.name, targets[k], h.change_id});
  }
}

absl::Status Rollout::CheckLeases(const std::string& before) {
  // The changes' leases first: when osctl was paused, what its servers did is the news.
  const std::vector<LeaseCheck> lost = leases_ == nullptr || leases_->Held().empty()
                                           ? std::vector<LeaseCheck>()
                                           : LostOnly(leases_->Check());
  if (lost.empty()) {
    absl::Status held = CheckFleetHold();
    if (held.ok()) return held;
    // A pause that ended right at the lease's end may find the changes still pending and
    // the hold already lost: the pause is the news either way.
    return Stop(absl::StrCat("stopped before ", before, ": ", held.message(),
                             "; osctl was paused, cut off or too slow for --lease ",
                             journal_.options.lease, ", or another rollout took the fleet"));
  }
  for (const LeaseCheck& c : lost) {
    if (HostRecord* h = journal_.Find(c.name)) h->error = c.reason;
    Emit("lease", c.name, c.reason, true);
  }
  return Stop(absl::StrCat(
      "stopped before ", before, ": ", lost.size(), " server(s) no longer hold this rollout's ",
      "change (", DescribeLost(lost), "); osctl was paused, cut off or too slow for --lease ",
      journal_.options.lease));
}

absl::Status Rollout::StopInterrupted(int batch) {
  return Stop(absl::StrCat("interrupted before batch ", batch + 1, " of ", journal_.batches));
}

absl::Status Rollout::Stop(std::string why) {
  journal_.phase = RolloutPhase::kStopped;
  journal_.note = std::move(why);
  Emit("stop", "", journal_.note, true);
  if (journal_.options.on_failure == "keep") {
    // The one explicit way to end with servers on different addresses.
    absl::Status confirmed = ConfirmHeld(/*drop_lost=*/true);
    absl::StrAppend(&journal_.note,
                    "; SPLIT FLEET kept by --on-failure keep: the changed servers that still "
                    "held the change are confirmed, the rest are on the old address");
    leases_.reset();
    if (absl::Status s = Save(); !s.ok()) return s;
    if (!confirmed.ok() && !absl::IsAborted(confirmed)) return confirmed;
    return absl::FailedPreconditionError(journal_.note);
  }
  leases_.reset();  // from here on, rollbacks; nothing to hold
  if (absl::Status s = RollBack(); !s.ok()) {
    absl::StrAppend(&journal_.note, "; ", s.message());
    if (absl::Status saved = Save(); !saved.ok()) return saved;
    return absl::FailedPreconditionError(journal_.note);
  }
  journal_.phase = RolloutPhase::kRolledBack;
  absl::StrAppend(&journal_.note,
                  "; every changed server is back on the old address; `osctl rollout resume ",
                  journal_.id, "` applies it again");
  if (absl::Status s = Save(); !s.ok()) return s;
  return absl::FailedPreconditionError(journal_.note);
}

absl::Status Rollout::RollBackOnce(std::vector<std::string>* unreachable,
                                   std::vector<std::string>* busy) {
  std::vector<size_t> silent = Reconcile(
      {HostState::kApplying, HostState::kPending, HostState::kConfirmed, HostState::kFailed});
  std::vector<size_t> hosts;
  std::vector<v1::RollbackRequest> requests;
  for (size_t i = 0; i < journal_.hosts.size(); ++i) {
    HostRecord& h = journal_.hosts[i];
    if (std::find(silent.begin(), silent.end(), i) != silent.end()) continue;
    if (h.state == HostState::kPlanned && !h.change_id.empty()) {
      h.state = HostState::kRolledBack;  // reverted by itself: on the old address
      continue;
    }
    const bool changed = h.state == HostState::kConfirmed && !h.backup_id.empty();
    if (h.state != HostState::kPending && !changed) continue;
    v1::RollbackRequest req;
    req.set_restart_services(true);
    req.set_reason(absl::StrCat("osfleet rollout ", journal_.id, " rollback"));
    for (const auto& [name, value] : tool_credentials_) {
      (*req.mutable_configuration_tool()->mutable_credentials())[name] = value;
    }
    // As the change did: Service Center was installed on the new settings, so it is
    // installed again on the restored ones (a pending change's revert would add it anyway).
    if (journal_.options.install_service_center && h.role == "deployment_controller") {
      req.mutable_configuration_tool()->set_install_service_center(true);
    }
    if (changed) {  // compare-and-set from its backup
      req.set_backup_id(h.backup_id);
      req.set_expected_revision(h.new_revision);
    } else {
      // Only this rollout's own change: never another client's that is pending there.
      req.set_change_id(h.change_id);
    }
    hosts.push_back(i);
    requests.push_back(std::move(req));
  }
  FanOutOptions fanout = ctx_.fanout();
  fanout.timeout = std::max(fanout.timeout, kRestartCallDeadline);
  std::vector<CredentialMap*> credentials;
  for (v1::RollbackRequest& r : requests) {
    credentials.push_back(r.mutable_configuration_tool()->mutable_credentials());
  }
  KeepNeededByEach(TargetsFor(hosts), ctx_.fanout(), CredentialUse::kConfigurationTool,
                   credentials);
  std::vector<std::string> names;
  for (size_t i : hosts) names.push_back(journal_.hosts[i].name);
  std::vector<HostReply<v1::RollbackResponse>> replies;
  // Each server's revert, its Configuration Tool run and its restart: minutes.
  Watched("Rollback", names, TargetsFor(hosts), [&] {
    replies = CallRollback(TargetsFor(hosts), fanout, requests);
    std::vector<grpc::Status> statuses;
    for (const auto& r : replies) statuses.push_back(r.status);
    return statuses;
  });
  std::vector<std::string> refused;
  for (size_t k = 0; k < hosts.size(); ++k) {
    if (replies[k].ok()) continue;
    if (DidNotAnswer(replies[k].status)) {
      silent.push_back(hosts[k]);
    } else if (AgentBusy(replies[k].status)) {
      // Still busy with the change a dead osctl left in flight: asked again in a moment.
      busy->push_back(journal_.hosts[hosts[k]].name);
    } else {
      refused.push_back(journal_.hosts[hosts[k]].name);
    }
  }
  RecordOutcomes(hosts, replies, "rollback", HostState::kRolledBack,
                 "rolled back to the old address; services restarted");
  // A change that was never confirmed cannot stay: the agent reverts it by itself when
  // its lease or window ends (also after a restart). Only a confirmed one needs us.
  for (size_t i : silent) {
    HostRecord& h = journal_.hosts[i];
    if (h.state == HostState::kConfirmed) {
      unreachable->push_back(h.name);
    } else if (h.state != HostState::kPlanned) {
      h.error =
          "not reachable; an unconfirmed change there reverts by itself when its lease "
          "ends";
    }
  }
  if (absl::Status s = Save(); !s.ok()) return s;
  if (!refused.empty()) {
    return absl::InternalError(absl::StrCat("rollback failed on ", absl::StrJoin(refused, ", ")));
  }
  return absl::OkStatus();
}

absl::Status Rollout::RollBack() {
  const bool took = hold_ == nullptr;  // a stopping rollout already holds the fleet
  if (absl::Status s = TakeFleetHold(); !s.ok()) return s;
  absl::Status done = RollBackHeld();
  if (took) ReleaseFleetHold();
  return done;
}

absl::Status Rollout::RollBackHeld() {
  absl::StatusOr<absl::Duration> lease = ParseDuration(journal_.options.lease, "--lease");
  const absl::Time give_up =
      absl::Now() + (lease.ok() ? *lease : absl::ZeroDuration()) * 2 + kConvergeGrace;
  for (;;) {
    std::vector<std::string> unreachable, busy;
    if (absl::Status s = RollBackOnce(&unreachable, &busy); !s.ok()) return s;
    if (unreachable.empty() && busy.empty()) return absl::OkStatus();
    if (absl::Now() >= give_up && unreachable.empty()) {
      return absl::InternalError(absl::StrCat(
          "rollback failed on ", absl::StrJoin(busy, ", "),
          ": still busy with another change; an unconfirmed change there reverts by itself "
          "when its lease ends (`osctl rollout status ",
          journal_.id, "` checks)"));
    }
    if (absl::Now() >= give_up) {
      return absl::UnavailableError(absl::StrCat(
          "SPLIT FLEET: ", absl::StrJoin(unreachable, ", "),
          " confirmed the new address and cannot be reached to bring it back; `osctl rollout "
          "status ",
          journal_.id, "` checks, `osctl rollout rollback ", journal_.id, "` converges it"));
    }
    std::vector<std::string> waiting = unreachable;
    waiting.insert(waiting.end(), busy.begin(), busy.end());
    Emit("rollback", "", absl::StrCat("waiting for ", absl::StrJoin(waiting, ", ")), true);
    absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace osfleet::ctl

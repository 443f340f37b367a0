// Rollout steps 4-7: apply in batches under leases, confirm all or nothing, then the
// Service Center phase (service_center_phase.cc). Stopping and converging: converge.cc.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/platform/test_pause.h"
#include "common/time/duration.h"
#include "ctl/ops/endpoints_change.h"
#include "ctl/ops/needed_credentials.h"
#include "ctl/ops/rollout/batches.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

constexpr absl::Duration kRestartCallDeadline = absl::Minutes(15);
constexpr int kConfirmRetries = 120;  // seconds, for an agent finishing a restart
constexpr int kBusyRetries = 60;      // seconds, for an agent finishing a revert

double Seconds(const google::protobuf::Duration& d) { return d.seconds() + d.nanos() / 1e9; }

template <typename Reply>
std::vector<grpc::Status> Statuses(const std::vector<Reply>& replies) {
  std::vector<grpc::Status> out;
  for (const Reply& r : replies) out.push_back(r.status);
  return out;
}

// What the agent's file says now about a host this rollout may have touched.
HostState Observe(const HostRecord& h, const v1::GetEndpointsResponse& now,
                  const std::vector<v1::EndpointChange>& changes) {
  if (now.has_pending()) return HostState::kPending;
  if (now.revision() == h.old_revision) return HostState::kPlanned;
  for (const v1::EndpointChange& c : changes) {
    for (const v1::Endpoint& e : now.endpoints()) {
      if (e.database() == c.database() && e.address() != c.address()) return HostState::kFailed;
    }
  }
  return HostState::kConfirmed;
}

void RetryWhileBusy(const std::vector<Target>& targets, const FanOutOptions& fanout,
                    const std::vector<v1::SetEndpointsRequest>& requests,
                    const OnReply<v1::SetEndpointsResponse>& hold,
                    std::vector<HostReply<v1::SetEndpointsResponse>>& replies) {
  for (int attempt = 0; attempt < kBusyRetries; ++attempt) {
    std::vector<size_t> busy;
    for (size_t k = 0; k < replies.size(); ++k) {
      // Busy with a revert; the compare-and-set makes asking again safe.
      if (AgentBusy(replies[k].status)) busy.push_back(k);
    }
    if (busy.empty()) return;
    absl::SleepFor(absl::Seconds(1));
    std::vector<Target> again;
    std::vector<v1::SetEndpointsRequest> again_requests;
    for (size_t k : busy) {
      again.push_back(targets[k]);
      again_requests.push_back(requests[k]);
    }
    auto retried = CallSet(again, fanout, again_requests,
                           [&](size_t n, const HostReply<v1::SetEndpointsResponse>& r) {
                             if (hold) hold(busy[n], r);
                           });
    for (size_t n = 0; n < busy.size(); ++n) replies[busy[n]] = std::move(retried[n]);
  }
}

// A resumed rollout's summary is about the whole rollout: the stop it goes on from is
// history. Clears the journal's note; returns how it had stopped ("interrupted before
// batch 2 of 4"), or "" for a rollout that was not stopped (killed, or never applied).
std::string TakeEarlierStop(Journal& journal) {
  if (journal.phase == RolloutPhase::kPlanned) return "";
  std::string stop = journal.note.substr(0, journal.note.find(';'));
  journal.note.clear();
  return stop;
}

std::string CompletedNote(const std::string& earlier_stop) {
  return absl::StrCat("completed by `osctl rollout resume`",
                      earlier_stop.empty() ? "" : "; the earlier run had stopped: ", earlier_stop);
}

}  // namespace

std::vector<size_t> Rollout::Reconcile(const std::vector<HostState>& states, bool retry_failed) {
  std::vector<size_t> touched;
  for (HostState state : states) {
    for (size_t i : HostsIn(-1, state)) touched.push_back(i);
  }
  std::vector<size_t> unreachable;
  if (touched.empty()) return unreachable;
  auto now = CallGetEndpoints(TargetsFor(touched), ctx_.fanout());
  for (size_t k = 0; k < touched.size(); ++k) {
    HostRecord& h = journal_.hosts[touched[k]];
    if (!now[k].ok()) {
      unreachable.push_back(touched[k]);
      continue;
    }
    const HostState was = h.state;
    const HostState seen = Observe(h, now[k].response, Changes());
    if (was == HostState::kFailed && seen == HostState::kPlanned && retry_failed) {
      h.state = HostState::kPlanned;  // resumed: on the old address, so apply it again
      continue;
    }
    if (was == HostState::kFailed && seen != HostState::kPending) continue;  // as recorded
    if (seen == HostState::kPending && was == HostState::kPending && !h.change_id.empty() &&
        now[k].response.pending().change_id() != h.change_id) {
      // Ours ended (reverted by itself) and another client's change is pending there: never
      // adopted, so never confirmed or rolled back by this rollout.
      h.error = absl::StrCat("this rollout's change ", h.change_id,
                             " is no longer pending; another client's change ",
                             now[k].response.pending().change_id(), " is (left alone)");
      h.state = HostState::kFailed;
      Emit("host", h.name, h.error, true);
      continue;
    }
    if (seen == HostState::kPending) {
      h.change_id = now[k].response.pending().change_id();
      h.new_revision = now[k].response.pending().revision();
      h.backup_id = now[k].response.pending().backup_id();
    } else if (seen == HostState::kFailed) {
      h.error = absl::StrCat("server.hsconf was changed outside this rollout: it is at revision ",
                             now[k].response.revision(), ", planned from ", h.old_revision);
    } else if (seen == HostState::kPlanned && was == HostState::kPending) {
      h.error = "reverted by itself (its lease or confirm window ended)";
      Emit("host", h.name, h.error);
    }
    h.state = seen;
  }
  return unreachable;
}

absl::Status Rollout::ReconcileAll() {
  // A resumed rollout also applies again what failed before (a split left by
  // --on-failure keep converges on the new address this way).
  const std::vector<size_t> unreachable =
      Reconcile({HostState::kApplying, HostState::kPending, HostState::kFailed},
                /*retry_failed=*/true);
  if (absl::Status s = Save(); !s.ok()) return s;
  if (unreachable.empty()) return absl::OkStatus();
  std::vector<std::string> names;
  for (size_t i : unreachable) names.push_back(journal_.hosts[i].name);
  return absl::UnavailableError(
      absl::StrCat(absl::StrJoin(names, ", "), " did not answer; cannot tell where it stands"));
}

absl::Status Rollout::ApplyBatch(int batch) {
  std::vector<size_t> hosts = HostsIn(batch, HostState::kPlanned);
  if (hosts.empty()) return absl::OkStatus();
  absl::StatusOr<absl::Duration> window =
      ParseDuration(journal_.options.confirm_timeout, "--confirm-timeout");
  if (!window.ok()) return window.status();
  EndpointsChange change{Changes(),
                         absl::StrCat("osfleet rollout ", journal_.id, ", batch ", batch + 1),
                         /*restart_services=*/true, *window};
  if (leases_ != nullptr) change.lease = leases_->lease();
  change.advanced_settings = AdvancedSettingsChoiceFor(journal_.options.advanced_settings);
  for (const auto& [name, value] : tool_credentials_) {
    (*change.tool.mutable_credentials())[name] = value;
  }
  std::vector<Target> targets = TargetsFor(hosts);
  // With a Configuration Tool anywhere in the batch, each server's Set (the write and the
  // tool) runs one server at a time and the restarts then run together.
  const bool one_at_a_time = AnyConfigurationTool(targets);
  std::vector<v1::SetEndpointsRequest> requests;
  for (size_t i : hosts) {
    journal_.hosts[i].state = HostState::kApplying;
    journal_.hosts[i].change_id.clear();  // an earlier round's; the Set's answer names the new one
    v1::SetEndpointsRequest req = SetRequestFor(change, journal_.hosts[i].old_revision);
    if (journal_.options.install_service_center &&
        journal_.hosts[i].role == "deployment_controller") {
      req.mutable_configuration_tool()->set_install_service_center(true);
    }
    if (one_at_a_time) req.set_restart_services(false);
    requests.push_back(std::move(req));
  }
  KeepNeededBySet(targets, ctx_.fanout(), &requests);
  if (absl::Status s = Save(); !s.ok()) return s;  // the journal first, then the change
  FanOutOptions fanout = ctx_.fanout();
  fanout.timeout = std::max(fanout.timeout, kRestartCallDeadline);
  // Held from the moment each server answers: a slow server in the same batch must not
  // let the lease of a quick one end.
  auto hold = [this, &hosts, &targets](size_t k, const HostReply<v1::SetEndpointsResponse>& r) {
    if (leases_ == nullptr || !r.ok() || r.response.state() != v1::CHANGE_STATE_PENDING) return;
    leases_->Hold({journal_.hosts[hosts[k]].name, targets[k], r.response.change_id()});
  };
  std::vector<HostReply<v1::SetEndpointsResponse>> replies;
  std::vector<std::string> names;
  for (size_t i : hosts) names.push_back(journal_.hosts[i].name);
  if (one_at_a_time) {
    for (size_t k = 0; k < hosts.size(); ++k) {
      std::vector<HostReply<v1::SetEndpointsResponse>> one;
      // The write and the Configuration Tool run: the long part, minutes per server.
      Watched("ConfigurationTool", {names[k]}, {targets[k]}, [&] {
        one = CallSet({targets[k]}, fanout, {requests[k]},
                      [&](size_t, const HostReply<v1::SetEndpointsResponse>& r) { hold(k, r); });
        RetryWhileBusy(
            {targets[k]}, fanout, {requests[k]},
            [&](size_t, const HostReply<v1::SetEndpointsResponse>& r) { hold(k, r); }, one);
        return std::vector<grpc::Status>{one[0].status};
      });
      RecordToolRun(hosts[k], one[0]);
      replies.push_back(std::move(one[0]));
      // A safe point: the next server's run has not started.
      if (k + 1 < hosts.size() && StopRequested()) {
        stopped_after_ = names[k];
        for (size_t rest = k + 1; rest < hosts.size(); ++rest) {
          journal_.hosts[hosts[rest]].state = HostState::kPlanned;  // never asked
        }
        hosts.resize(k + 1);
        targets.resize(k + 1);
        break;
      }
    }
    // Stopping: the rollback restarts what it puts back; no restart on the new address.
    if (stopped_after_.empty()) RestartWritten(hosts, targets, fanout, replies);
  } else {
    // The write and the services' restart, on every server of the batch at once.
    Watched("Change", names, targets, [&] {
      replies = CallSet(targets, fanout, requests, hold);
      RetryWhileBusy(targets, fanout, requests, hold, replies);
      return Statuses(replies);
    });
  }
  for (size_t k = 0; k < hosts.size(); ++k) {
    HostRecord& h = journal_.hosts[hosts[k]];
    if (!replies[k].ok()) {
      h.state = HostState::kFailed;
      h.error = StatusText(replies[k].status);
      Emit("host", h.name, h.error, true);
      continue;
    }
    const v1::SetEndpointsResponse& r = replies[k].response;
    h.change_id = r.change_id();
    h.new_revision = r.revision();
    h.backup_id = r.backup_id();
    h.restart_seconds = Seconds(r.restart_duration());
    h.state = r.state() == v1::CHANGE_STATE_PENDING ? HostState::kPending : HostState::kConfirmed;
    Emit("host", h.name,
         stopped_after_.empty()
             ? absl::StrFormat("changed (revision %s), services healthy after %.1fs",
                               h.new_revision, h.restart_seconds)
             : absl::StrFormat("changed (revision %s), not restarted: the rollout stops",
                               h.new_revision));
  }
  HoldLeases();
  return Save();
}

bool Rollout::AnyConfigurationTool(const std::vector<Target>& targets) const {
  for (const auto& info : CallGetInfo(targets, ctx_.fanout())) {
    // One that does not answer now fails its Set too; assume the careful way.
    if (!info.ok() || info.response.configuration_tool_configured()) return true;
  }
  return false;
}

void Rollout::RecordToolRun(size_t host, const HostReply<v1::SetEndpointsResponse>& reply) {
  HostRecord& h = journal_.hosts[host];
  if (!reply.ok()) return;  // its error says what the tool did (the agent reverted)
  if (!reply.response.has_configuration_tool()) return;
  const v1::ConfigurationToolRun& run = reply.response.configuration_tool();
  h.configuration_tool = absl::StrFormat("%s exited with status %d after %.1fs", run.command_line(),
                                         run.exit_code(), Seconds(run.duration()));
  h.configuration_tool_output = run.log_tail().empty() ? run.output() : run.log_tail();
  Emit("tool", h.name, h.configuration_tool);
  // Saved at once: the journal says which servers ran the tool before a crash.
  Save().IgnoreError();
}

void Rollout::RestartWritten(const std::vector<size_t>& hosts, const std::vector<Target>& targets,
                             const FanOutOptions& fanout,
                             std::vector<HostReply<v1::SetEndpointsResponse>>& replies) {
  std::vector<size_t> written;
  std::vector<Target> restart_targets;
  std::vector<v1::RestartChangeRequest> requests;
  for (size_t k = 0; k < hosts.size(); ++k) {
    if (!replies[k].ok() || replies[k].response.state() != v1::CHANGE_STATE_PENDING) continue;
    written.push_back(k);
    restart_targets.push_back(targets[k]);
    v1::RestartChangeRequest req;
    req.set_change_id(replies[k].response.change_id());
    requests.push_back(std::move(req));
  }
  if (written.empty()) return;
  Emit("restart", "",
       absl::StrCat("restarting the services of ", written.size(), " server(s) together"));
  std::vector<std::string> names;
  for (size_t k : written) names.push_back(journal_.hosts[hosts[k]].name);
  std::vector<HostReply<v1::SetEndpointsResponse>> restarted;
  Watched("ServiceRestart", names, restart_targets, [&] {
    restarted = CallRestart(restart_targets, fanout, requests);
    return Statuses(restarted);
  });
  for (size_t n = 0; n < written.size(); ++n) {
    HostReply<v1::SetEndpointsResponse>& r = replies[written[n]];
    if (!restarted[n].ok()) {
      r.status = restarted[n].status;  // the agent reverted the change at once
      continue;
    }
    *r.response.mutable_restart_duration() = restarted[n].response.restart_duration();
  }
}

template <typename Reply>
std::vector<std::string> Rollout::RecordOutcomes(const std::vector<size_t>& hosts,
                                                 const std::vector<Reply>& replies,
                                                 const std::string& kind, HostState ok_state,
                                                 const std::string& ok_text) {
  std::vector<std::string> failed;
  for (size_t k = 0; k < hosts.size(); ++k) {
    HostRecord& h = journal_.hosts[hosts[k]];
    if (replies[k].ok()) {
      h.state = ok_state;
      Emit(kind, h.name, ok_text);
    } else {
      h.error = StatusText(replies[k].status);
      failed.push_back(h.name);
      Emit(kind, h.name, h.error, true);
    }
  }
  return failed;
}

// Confirm, retrying while an agent is still busy finishing that same change (a resumed
// rollout can catch one mid-restart).
std::vector<HostReply<v1::ConfirmResponse>> Rollout::ConfirmWithRetry(
    const std::vector<size_t>& hosts) {
  std::vector<std::string> ids;
  for (size_t i : hosts) ids.push_back(journal_.hosts[i].change_id);
  auto replies = CallConfirm(TargetsFor(hosts), ctx_.fanout(), ids);
  for (int attempt = 0; attempt < kConfirmRetries; ++attempt) {
    std::vector<size_t> busy;
    for (size_t k = 0; k < hosts.size(); ++k) {
      if (replies[k].status.error_code() == grpc::StatusCode::ABORTED) busy.push_back(k);
    }
    if (busy.empty()) break;
    absl::SleepFor(absl::Seconds(1));
    std::vector<size_t> again;
    std::vector<std::string> again_ids;
    for (size_t k : busy) {
      again.push_back(hosts[k]);
      again_ids.push_back(ids[k]);
    }
    auto retried = CallConfirm(TargetsFor(again), ctx_.fanout(), again_ids);
    for (size_t n = 0; n < busy.size(); ++n) replies[busy[n]] = std::move(retried[n]);
  }
  return replies;
}

// converge.cc records rollbacks with it.
template std::vector<std::string> Rollout::RecordOutcomes(
    const std::vector<size_t>&, const std::vector<HostReply<v1::RollbackResponse>>&,
    const std::string&, HostState, const std::string&);

absl::Status Rollout::ConfirmAll() {
  if (HostsIn(-1, HostState::kPending).empty()) return absl::OkStatus();
  if (absl::Status s = Save(); !s.ok()) return s;  // phase: confirming
  platform::PauseIfAsked("before-finish");
  // All or nothing: confirm only once every lease was renewed in this same pass.
  if (absl::Status s = CheckLeases("the finish"); !s.ok()) return s;
  platform::PauseIfAsked("after-verify");
  return ConfirmHeld(/*drop_lost=*/false);
}

absl::Status Rollout::ConfirmHeld(bool drop_lost) {
  if (drop_lost && leases_ != nullptr) {  // what is no longer held is not confirmed
    for (const LeaseCheck& c : LostOnly(leases_->Check())) {
      if (HostRecord* h = journal_.Find(c.name)) {
        h->state = HostState::kFailed;
        h->error = c.reason;
      }
    }
  }
  const std::vector<size_t> hosts = HostsIn(-1, HostState::kPending);
  if (hosts.empty()) return absl::OkStatus();
  const std::vector<std::string> failed =
      RecordOutcomes(hosts, ConfirmWithRetry(hosts), "confirm", HostState::kConfirmed, "confirmed");
  for (size_t i : hosts) {
    if (journal_.hosts[i].state == HostState::kConfirmed && leases_ != nullptr) {
      leases_->Release(journal_.hosts[i].name);
    }
  }
  if (absl::Status s = Save(); !s.ok()) return s;
  if (failed.empty()) return absl::OkStatus();
  // Some servers confirmed and others not: the caller converges (Stop).
  return absl::AbortedError(absl::StrCat("could not confirm on ", absl::StrJoin(failed, ", ")));
}

absl::Status Rollout::Execute() {
  const bool took = hold_ == nullptr;
  if (absl::Status s = TakeFleetHold(); !s.ok()) return s;
  absl::Status done = ExecuteHeld();
  if (took) ReleaseFleetHold();
  // Every server is on the new address: the old one may now be retired, or not yet.
  if (done.ok() && journal_.phase == RolloutPhase::kDone) CheckDrainedAfter();
  return done;
}

void Rollout::CheckDrainedAfter() {
  CheckDrained(
      ctx_, journal_, drain_,
      [this](const std::string& server, const std::string& text, bool bad) {
        Emit("drain", server, text, bad);
      },
      interrupted_);
  // The rollout is done either way: a journal that cannot be saved only loses the record.
  if (absl::Status s = Save(); !s.ok()) Emit("drain", "", std::string(s.message()), true);
}

absl::Status Rollout::ExecuteHeld() {
  absl::StatusOr<int> max_fail = ParseCount(
      journal_.options.max_fail, static_cast<int>(journal_.hosts.size()), "--max-fail", true);
  if (!max_fail.ok()) return max_fail.status();
  if (absl::Status s = StartLeases(); !s.ok()) return s;
  const bool resumed = journal_.phase != RolloutPhase::kPlanned;
  const std::string earlier_stop = TakeEarlierStop(journal_);
  if (journal_.phase == RolloutPhase::kRolledBack) {  // resumed: apply it again
    for (HostRecord& h : journal_.hosts) {
      if (h.state == HostState::kRolledBack) h.state = HostState::kPlanned;
    }
  }
  journal_.phase = RolloutPhase::kApplying;
  if (absl::Status s = Save(); !s.ok()) return s;
  if (absl::Status s = ReconcileAll(); !s.ok()) return s;
  HoldLeases();
  for (int b = 0; b < journal_.batches; ++b) {
    if (StopRequested()) return StopInterrupted(b);
    if (HostsIn(b, HostState::kPlanned).empty()) continue;
    if (absl::Status s = CheckLeases(absl::StrCat("batch ", b + 1)); !s.ok()) return s;
    current_batch_ = b + 1;
    Emit("batch", "",
         absl::StrCat("batch ", b + 1, "/", journal_.batches, ": ",
                      absl::StrJoin(BatchNames()[b], ", ")));
    if (absl::Status s = ApplyBatch(b); !s.ok()) return s;
    if (!stopped_after_.empty()) {
      return Stop(absl::StrCat("interrupted in batch ", b + 1, " of ", journal_.batches, ", after ",
                               stopped_after_));
    }
    if (Failures() > *max_fail) {
      std::vector<std::string> failed;
      for (size_t i : HostsIn(-1, HostState::kFailed)) failed.push_back(journal_.hosts[i].name);
      return Stop(absl::StrCat("stopped after batch ", b + 1, ": failed on ",
                               absl::StrJoin(failed, ", "), " (--max-fail ",
                               journal_.options.max_fail, ")"));
    }
  }
  if (Failures() > 0) {
    // All or nothing: a finish would leave the servers that failed on the old address.
    std::vector<std::string> failed;
    for (size_t i : HostsIn(-1, HostState::kFailed)) failed.push_back(journal_.hosts[i].name);
    return Stop(absl::StrCat("not finished: failed on ", absl::StrJoin(failed, ", "),
                             " (within --max-fail ", journal_.options.max_fail, ")"));
  }
  current_batch_ = 0;
  journal_.phase = RolloutPhase::kConfirming;
  if (absl::Status s = ConfirmAll(); !s.ok()) {
    return absl::IsAborted(s) ? Stop(std::string(s.message())) : s;
  }
  leases_.reset();  // every change is confirmed: nothing left to hold
  journal_.phase = RolloutPhase::kServiceCenter;
  if (absl::Status s = Save(); !s.ok()) return s;
  absl::Status sc = RunServiceCenter();
  journal_.phase = sc.ok() ? RolloutPhase::kDone : RolloutPhase::kStopped;
  if (!sc.ok()) journal_.note = std::string(sc.message());
  if (sc.ok() && resumed) journal_.note = CompletedNote(earlier_stop);
  if (absl::Status s = Save(); !s.ok()) return s;
  return sc;
}

}  // namespace osfleet::ctl

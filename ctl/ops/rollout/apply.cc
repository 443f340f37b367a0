// Rollout steps 4-7: apply in batches, stop and roll back past --max-fail, confirm, run
// the Service Center phase. Also resume (Reconcile) and rollback.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/duration.h"
#include "ctl/ops/endpoints_change.h"
#include "ctl/ops/rollout/batches.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

constexpr absl::Duration kRestartCallDeadline = absl::Minutes(15);
constexpr int kConfirmRetries = 120;  // seconds, for an agent finishing a restart

double Seconds(const google::protobuf::Duration& d) { return d.seconds() + d.nanos() / 1e9; }

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

}  // namespace

absl::Status Rollout::Reconcile() {
  std::vector<size_t> touched = HostsIn(-1, HostState::kApplying);
  for (size_t i : HostsIn(-1, HostState::kPending)) touched.push_back(i);
  if (touched.empty()) return absl::OkStatus();
  auto now = CallGetEndpoints(TargetsFor(touched), ctx_.fanout());
  for (size_t k = 0; k < touched.size(); ++k) {
    HostRecord& h = journal_.hosts[touched[k]];
    if (!now[k].ok()) {
      return absl::UnavailableError(absl::StrCat(h.name, " did not answer (",
                                                 StatusText(now[k].status),
                                                 "); cannot tell where it stands"));
    }
    const HostState seen = Observe(h, now[k].response, Changes());
    if (seen == HostState::kPending) {
      h.change_id = now[k].response.pending().change_id();
      h.new_revision = now[k].response.pending().revision();
      h.backup_id = now[k].response.pending().backup_id();
    } else if (seen == HostState::kFailed) {
      h.error = "server.hsconf was changed outside this rollout";
    } else if (seen == HostState::kPlanned && h.state == HostState::kPending) {
      Emit("host", h.name, "its confirm window ended and it reverted by itself; applying again");
    }
    h.state = seen;
  }
  return Save();
}

absl::Status Rollout::ApplyBatch(int batch) {
  const std::vector<size_t> hosts = HostsIn(batch, HostState::kPlanned);
  if (hosts.empty()) return absl::OkStatus();
  absl::StatusOr<absl::Duration> window =
      ParseDuration(journal_.options.confirm_timeout, "--confirm-timeout");
  if (!window.ok()) return window.status();
  const EndpointsChange change{Changes(),
                               absl::StrCat("osfleet rollout ", journal_.id, ", batch ", batch + 1),
                               /*restart_services=*/true, absl::Trunc(*window, absl::Seconds(1))};
  std::vector<v1::SetEndpointsRequest> requests;
  for (size_t i : hosts) {
    journal_.hosts[i].state = HostState::kApplying;
    requests.push_back(SetRequestFor(change, journal_.hosts[i].old_revision));
  }
  if (absl::Status s = Save(); !s.ok()) return s;  // the journal first, then the change
  FanOutOptions fanout = ctx_.fanout();
  fanout.timeout = std::max(fanout.timeout, kRestartCallDeadline);
  auto replies = CallSet(TargetsFor(hosts), fanout, requests);
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
         absl::StrFormat("changed (revision %s), services healthy after %.1fs",
                         ShortRevision(h.new_revision), h.restart_seconds));
  }
  return Save();
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

absl::Status Rollout::ConfirmAll() {
  const std::vector<size_t> hosts = HostsIn(-1, HostState::kPending);
  if (hosts.empty()) return absl::OkStatus();
  const std::vector<std::string> failed =
      RecordOutcomes(hosts, ConfirmWithRetry(hosts), "confirm", HostState::kConfirmed, "confirmed");
  if (absl::Status s = Save(); !s.ok()) return s;
  if (!failed.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("could not confirm on ", absl::StrJoin(failed, ", "),
                     "; `osctl rollout resume` checks them again"));
  }
  return absl::OkStatus();
}

absl::Status Rollout::StopAfterFailures(int batch) {
  journal_.phase = RolloutPhase::kStopped;
  std::vector<std::string> failed;
  for (size_t i : HostsIn(-1, HostState::kFailed)) failed.push_back(journal_.hosts[i].name);
  journal_.note =
      absl::StrCat("stopped after batch ", batch + 1, ": failed on ", absl::StrJoin(failed, ", "),
                   " (--max-fail ", journal_.options.max_fail, ")");
  Emit("stop", "", journal_.note, true);
  if (journal_.options.on_failure == "keep") {
    absl::Status confirmed = ConfirmAll();
    absl::StrAppend(&journal_.note,
                    "; changed servers kept and confirmed, the rest left as they were");
    if (absl::Status s = Save(); !s.ok()) return s;
    if (!confirmed.ok()) return confirmed;
  } else {
    if (absl::Status s = RollBack(); !s.ok()) return s;
    journal_.phase = RolloutPhase::kRolledBack;
    absl::StrAppend(&journal_.note, "; every changed server was rolled back");
    if (absl::Status s = Save(); !s.ok()) return s;
  }
  return absl::FailedPreconditionError(journal_.note);
}

absl::Status Rollout::RunServiceCenter() {
  if (journal_.options.skip_service_center) {
    journal_.service_center = "skipped (--skip-service-center): run `osctl sc run` later";
    return absl::OkStatus();
  }
  std::vector<size_t> dc;
  for (size_t i = 0; i < journal_.hosts.size(); ++i) {
    if (journal_.hosts[i].role == "deployment_controller") dc.push_back(i);
  }
  if (dc.empty()) return absl::FailedPreconditionError("no deployment_controller in the rollout");
  const std::string name = journal_.hosts[dc[0]].name;
  FanOutOptions fanout = ctx_.fanout();
  fanout.timeout = absl::Minutes(61);
  v1::RunPhaseRequest request;
  auto result =
      CallRunPhase(TargetsFor(dc), fanout, request, [this, &name](size_t, const v1::PhaseEvent& e) {
        Emit("sc", name, DescribePhaseEvent(e), IsBadPhaseEvent(e));
      });
  if (!result[0].ok()) {
    journal_.service_center = absl::StrCat("failed: ", StatusText(result[0].status));
    return absl::FailedPreconditionError(absl::StrCat(
        "the Service Center phase failed on ", name, ": ", StatusText(result[0].status),
        "; the endpoints are changed and confirmed everywhere; fix it and run "
        "`osctl sc run`"));
  }
  journal_.service_center =
      result[0].events.empty() ? "done" : DescribePhaseEvent(result[0].events.back());
  return absl::OkStatus();
}

absl::Status Rollout::Execute() {
  absl::StatusOr<int> max_fail = ParseCount(
      journal_.options.max_fail, static_cast<int>(journal_.hosts.size()), "--max-fail", true);
  if (!max_fail.ok()) return max_fail.status();
  journal_.phase = RolloutPhase::kApplying;
  if (absl::Status s = Save(); !s.ok()) return s;
  if (absl::Status s = Reconcile(); !s.ok()) return s;
  for (int b = 0; b < journal_.batches; ++b) {
    if (Interrupted()) {
      journal_.note = absl::StrCat("interrupted before batch ", b + 1, " of ", journal_.batches,
                                   "; `osctl rollout resume ", journal_.id, "` continues");
      Emit("stop", "", journal_.note, true);
      if (absl::Status s = Save(); !s.ok()) return s;
      return absl::CancelledError(journal_.note);
    }
    if (HostsIn(b, HostState::kPlanned).empty()) continue;
    Emit("batch", "",
         absl::StrCat("batch ", b + 1, "/", journal_.batches, ": ",
                      absl::StrJoin(BatchNames()[b], ", ")));
    if (absl::Status s = ApplyBatch(b); !s.ok()) return s;
    if (Failures() > *max_fail) return StopAfterFailures(b);
  }
  journal_.phase = RolloutPhase::kConfirming;
  if (absl::Status s = ConfirmAll(); !s.ok()) return s;
  journal_.phase = RolloutPhase::kServiceCenter;
  if (absl::Status s = Save(); !s.ok()) return s;
  absl::Status sc = RunServiceCenter();
  journal_.phase = sc.ok() ? RolloutPhase::kDone : RolloutPhase::kStopped;
  if (!sc.ok()) journal_.note = std::string(sc.message());
  if (absl::Status s = Save(); !s.ok()) return s;
  return sc;
}

absl::Status Rollout::RollBack() {
  if (absl::Status s = Reconcile(); !s.ok()) return s;
  std::vector<size_t> hosts;
  std::vector<v1::RollbackRequest> requests;
  for (size_t i = 0; i < journal_.hosts.size(); ++i) {
    const HostRecord& h = journal_.hosts[i];
    const bool changed = h.state == HostState::kConfirmed && !h.backup_id.empty();
    if (h.state != HostState::kPending && !changed) continue;
    v1::RollbackRequest req;
    req.set_restart_services(true);
    req.set_reason(absl::StrCat("osfleet rollout ", journal_.id, " rollback"));
    if (changed) {
      req.set_backup_id(h.backup_id);
      req.set_expected_revision(h.new_revision);
    }
    hosts.push_back(i);
    requests.push_back(std::move(req));
  }
  FanOutOptions fanout = ctx_.fanout();
  fanout.timeout = std::max(fanout.timeout, kRestartCallDeadline);
  const std::vector<std::string> failed =
      RecordOutcomes(hosts, CallRollback(TargetsFor(hosts), fanout, requests), "rollback",
                     HostState::kRolledBack, "rolled back to the old address; services restarted");
  if (absl::Status s = Save(); !s.ok()) return s;
  if (!failed.empty()) {
    return absl::InternalError(absl::StrCat("rollback failed on ", absl::StrJoin(failed, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace osfleet::ctl

#include "ctl/ops/all_or_nothing.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/platform/test_pause.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

bool Changed(const HostReply<v1::SetEndpointsResponse>& r) {
  return r.ok() && r.response.state() == v1::CHANGE_STATE_PENDING;
}

// Why the change cannot be confirmed everywhere; empty when it can.
std::string WhyNot(const std::vector<HostReply<v1::SetEndpointsResponse>>& set,
                   LeaseKeeper& leases) {
  std::vector<std::string> failed;
  for (const auto& r : set) {
    if (!r.ok()) failed.push_back(absl::StrCat(r.server->name, ": ", StatusText(r.status)));
  }
  if (!failed.empty()) return absl::StrCat("the change failed on ", absl::StrJoin(failed, "; "));
  const std::vector<LeaseCheck> lost = LostOnly(leases.Check());
  if (!lost.empty()) return absl::StrCat("no longer held: ", DescribeLost(lost));
  return "";
}

}  // namespace

FinishResult ConfirmAllOrRevert(const std::vector<Target>& targets,
                                const std::vector<HostReply<v1::SetEndpointsResponse>>& set,
                                LeaseKeeper& leases, const FanOutOptions& fanout,
                                const FanOutOptions& revert_fanout, bool restart) {
  platform::PauseIfAsked("endpoints-before-confirm");
  FinishResult out;
  std::vector<size_t> changed;
  for (size_t i = 0; i < set.size(); ++i) {
    if (Changed(set[i])) changed.push_back(i);
  }
  std::vector<Target> changed_targets;
  std::vector<std::string> ids;
  for (size_t i : changed) {
    changed_targets.push_back(targets[i]);
    ids.push_back(set[i].response.change_id());
  }
  std::string why = WhyNot(set, leases);
  std::vector<bool> confirmed(changed.size(), false);
  if (why.empty()) {
    auto replies = CallConfirm(changed_targets, fanout, ids);
    std::vector<std::string> refused;
    for (size_t k = 0; k < changed.size(); ++k) {
      confirmed[k] = replies[k].ok();
      if (confirmed[k]) leases.Release(set[changed[k]].server->name);
      out.steps.push_back({set[changed[k]].server->name,
                           confirmed[k] ? "confirmed" : StatusText(replies[k].status),
                           !confirmed[k]});
      if (!confirmed[k]) refused.push_back(set[changed[k]].server->name);
    }
    if (refused.empty()) return out;
    why = absl::StrCat("could not confirm on ", absl::StrJoin(refused, ", "));
  }
  // Bring every changed server back: confirmed ones from their backups (CAS), pending
  // ones by reverting the pending change.
  std::vector<v1::RollbackRequest> requests;
  for (size_t k = 0; k < changed.size(); ++k) {
    const v1::SetEndpointsResponse& r = set[changed[k]].response;
    v1::RollbackRequest req;
    req.set_restart_services(restart);
    req.set_reason(absl::StrCat("all-or-nothing revert of ", r.change_id(), ": ", why));
    if (confirmed[k]) {
      req.set_backup_id(r.backup_id());
      req.set_expected_revision(r.revision());
    } else {
      req.set_change_id(r.change_id());  // only our change, never another client's
    }
    requests.push_back(std::move(req));
  }
  auto back = CallRollback(changed_targets, revert_fanout, requests);
  std::vector<std::string> stuck;
  for (size_t k = 0; k < changed.size(); ++k) {
    const std::string& name = set[changed[k]].server->name;
    leases.Release(name);
    // Our change is not pending any more: it reverted by itself (its lease ended).
    const bool gone = !back[k].ok() && !confirmed[k] &&
                      (back[k].status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                       back[k].status.error_code() == grpc::StatusCode::NOT_FOUND);
    if (back[k].ok() || gone) {
      out.steps.push_back({name, gone ? "reverted by itself" : "reverted to the old address"});
    } else {
      stuck.push_back(name);
      out.steps.push_back({name, StatusText(back[k].status), true});
    }
  }
  std::string message = absl::StrCat("not changed: ", why, "; every changed server was reverted");
  if (!stuck.empty()) {
    message =
        absl::StrCat("SPLIT FLEET: ", why, "; reverting failed on ", absl::StrJoin(stuck, ", "),
                     " (an unconfirmed change there reverts by itself when its lease ends)");
  }
  out.status = absl::FailedPreconditionError(message);
  return out;
}

}  // namespace osfleet::ctl

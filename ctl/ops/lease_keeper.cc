#include "ctl/ops/lease_keeper.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"
#include "google/protobuf/util/time_util.h"

namespace osfleet::ctl {
namespace {

const char* StateWord(v1::ChangeState state) {
  switch (state) {
    case v1::CHANGE_STATE_CONFIRMED:
      return "already confirmed";
    case v1::CHANGE_STATE_REVERTING:
      return "being reverted";
    case v1::CHANGE_STATE_REVERTED:
      return "reverted";
    case v1::CHANGE_STATE_UNKNOWN:
      return "unknown to the agent";
    default:
      return "not pending";
  }
}

LeaseCheck CheckOf(const HeldChange& c, const HostReply<v1::RenewResponse>& reply) {
  LeaseCheck out{c.name, c.change_id};
  if (!reply.ok()) {
    out.unreachable = DidNotAnswer(reply.status);
    out.reason = absl::StrCat(out.unreachable ? "not reachable (" : "renewal failed (",
                              StatusText(reply.status), ")");
    return out;
  }
  const v1::RenewResponse& r = reply.response;
  out.held = r.state() == v1::CHANGE_STATE_PENDING;
  if (!out.held) {
    const std::string word = StateWord(r.state());
    // The agent's detail often starts with the same word ("reverted: its lease ...").
    out.reason = r.detail().empty()                   ? word
                 : absl::StartsWith(r.detail(), word) ? r.detail()
                                                      : absl::StrCat(word, ": ", r.detail());
  }
  return out;
}

}  // namespace

LeaseKeeper::LeaseKeeper(absl::Duration lease, int concurrency, const Clock* clock)
    : lease_(lease), concurrency_(concurrency), clock_(clock), alarm_(clock), renewer_([this] {
        RenewLoop();
      }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  alarm_.Ring();
  renewer_.join();
}

void LeaseKeeper::Hold(HeldChange change) {
  absl::MutexLock lock(&mu_);
  held_.erase(std::remove_if(held_.begin(), held_.end(),
                             [&](const HeldChange& h) { return h.name == change.name; }),
              held_.end());
  held_.push_back(std::move(change));
}

void LeaseKeeper::Release(const std::string& name) {
  absl::MutexLock lock(&mu_);
  held_.erase(std::remove_if(held_.begin(), held_.end(),
                             [&](const HeldChange& h) { return h.name == name; }),
              held_.end());
}

std::vector<std::string> LeaseKeeper::Held() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const HeldChange& h : held_) names.push_back(h.name);
  return names;
}

int LeaseKeeper::passes() const {
  absl::MutexLock lock(&mu_);
  return passes_;
}

std::vector<LeaseCheck> LeaseKeeper::Check() {
  absl::MutexLock one_pass(&pass_mu_);
  std::vector<HeldChange> held;
  {
    absl::MutexLock lock(&mu_);
    held = held_;
    ++passes_;
  }
  if (held.empty()) return {};
  std::vector<Target> targets;
  std::vector<v1::RenewRequest> requests;
  for (const HeldChange& h : held) {
    targets.push_back(h.target);
    v1::RenewRequest req;
    req.set_change_id(h.change_id);
    *req.mutable_lease() =
        google::protobuf::util::TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(lease_));
    requests.push_back(std::move(req));
  }
  // A renewal that takes longer than a third of a lease is as good as lost.
  const FanOutOptions fanout{concurrency_, std::max(lease_ / 3, absl::Milliseconds(100))};
  const std::vector<HostReply<v1::RenewResponse>> replies = CallRenew(targets, fanout, requests);
  std::vector<LeaseCheck> checks;
  for (size_t i = 0; i < held.size(); ++i) checks.push_back(CheckOf(held[i], replies[i]));
  return checks;
}

void LeaseKeeper::RenewLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (alarm_.WaitUntil(clock_->Monotonic() + lease_ / 3)) continue;  // rung: stop?
    Check();
  }
}

std::vector<LeaseCheck> LostOnly(const std::vector<LeaseCheck>& checks) {
  std::vector<LeaseCheck> lost;
  for (const LeaseCheck& c : checks) {
    if (!c.held) lost.push_back(c);
  }
  return lost;
}

std::string DescribeLost(const std::vector<LeaseCheck>& checks) {
  std::vector<std::string> parts;
  for (const LeaseCheck& c : checks) {
    if (!c.held) parts.push_back(absl::StrCat(c.name, ": ", c.reason));
  }
  return absl::StrJoin(parts, "; ");
}

}  // namespace osfleet::ctl

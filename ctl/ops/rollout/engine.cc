#include "ctl/ops/rollout/engine.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/api/role.h"
#include "common/time/duration.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/ops/rollout/batches.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {

Rollout::Rollout(const FleetContext& ctx, Journal journal, RolloutSink sink,
                 const std::atomic<bool>* interrupted)
    : ctx_(ctx), journal_(std::move(journal)), sink_(std::move(sink)), interrupted_(interrupted) {
  for (const HostRecord& h : journal_.hosts) {
    size_t found = ctx_.servers().size();
    for (size_t i = 0; i < ctx_.servers().size(); ++i) {
      if (ctx_.servers()[i].name == h.name) found = i;
    }
    server_of_host_.push_back(found);
  }
}

Rollout::~Rollout() = default;

absl::Status Rollout::CheckHostsKnown() const {
  for (size_t i = 0; i < journal_.hosts.size(); ++i) {
    if (server_of_host_[i] >= ctx_.servers().size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "server '", journal_.hosts[i].name, "' of rollout ", journal_.id,
          " is not in the inventory any more; use the inventory the rollout started with (",
          journal_.inventory, ")"));
    }
  }
  return absl::OkStatus();
}

void Rollout::Emit(std::string kind, std::string server, std::string text, bool bad) {
  if (sink_) sink_({std::move(kind), std::move(server), std::move(text), bad});
}

absl::Status Rollout::Save() { return SaveJournal(journal_); }

absl::Status Rollout::Refuse(const std::string& why) {
  return MarkRefused(
      absl::FailedPreconditionError(absl::StrCat("refused: ", why, "; nothing was changed")));
}

std::vector<v1::EndpointChange> Rollout::Changes() const {
  const RolloutOptions& o = journal_.options;
  return EndpointChanges({o.platform, o.log, o.session});
}

std::vector<size_t> Rollout::HostsIn(int batch, HostState state) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < journal_.hosts.size(); ++i) {
    const HostRecord& h = journal_.hosts[i];
    if ((batch < 0 || h.batch == batch) && h.state == state) out.push_back(i);
  }
  return out;
}

std::vector<Target> Rollout::TargetsFor(const std::vector<size_t>& hosts) const {
  std::vector<size_t> servers;
  for (size_t h : hosts) servers.push_back(server_of_host_[h]);
  return ctx_.Subset(servers);
}

int Rollout::Failures() const { return static_cast<int>(HostsIn(-1, HostState::kFailed).size()); }

std::vector<std::vector<std::string>> Rollout::BatchNames() const {
  std::vector<std::vector<std::string>> out(journal_.batches);
  for (const HostRecord& h : journal_.hosts) {
    if (h.batch >= 0 && h.batch < journal_.batches) out[h.batch].push_back(h.name);
  }
  return out;
}

}  // namespace osfleet::ctl

#include "ctl/ops/rollout/engine.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/api/role.h"
#include "common/time/duration.h"
#include "ctl/fleet/endpoint_addresses.h"
#include "ctl/ops/rollout/batches.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/status_line.h"
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
  if (sink_) {
    sink_({std::move(kind), std::move(server), std::move(text), bad, Position(), std::nullopt});
  }
}

bool Rollout::StopRequested() {
  if (before_step_) before_step_();
  return Interrupted();
}

RolloutPosition Rollout::Position() const {
  RolloutPosition p{current_batch_, journal_.batches, 0, static_cast<int>(journal_.hosts.size())};
  for (const HostRecord& h : journal_.hosts) {
    p.done += h.state == HostState::kPending || h.state == HostState::kConfirmed;
  }
  return p;
}

namespace {

// "ConfigurationTool 4m12s", then ": the log line" when there is one.
std::string BeatText(const StepProgress& p, const std::string& detail) {
  std::string text = absl::StrCat(p.step, " ", FormatElapsed(p.elapsed));
  if (!p.log_line.empty()) {
    absl::StrAppend(&text, ": ", p.log_line);
  } else if (!detail.empty()) {
    absl::StrAppend(&text, " (", detail, ")");
  }
  return text;
}

}  // namespace

void Rollout::Watched(const std::string& step, const std::vector<std::string>& servers,
                      const std::vector<Target>& targets,
                      const std::function<std::vector<grpc::Status>()>& call) {
  const RolloutPosition at = Position();
  for (const std::string& s : servers) {
    if (sink_)
      sink_({"progress", s, absl::StrCat(step, " started"), false, at,
             StepProgress{"start", step, absl::ZeroDuration(), ""}});
  }
  const absl::Time started = absl::Now();
  std::vector<grpc::Status> statuses;
  {
    ProgressWatch watch(targets, step, heartbeat_, ctx_.fanout(),
                        [this, at](const ProgressBeat& b) {
                          StepProgress p{"heartbeat", b.step, b.elapsed, b.last_log_line};
                          if (sink_)
                            sink_({"progress", b.server, BeatText(p, b.detail), false, at, p});
                        });
    statuses = call();
  }
  const absl::Duration took = absl::Now() - started;
  const RolloutPosition after = Position();
  for (size_t k = 0; k < servers.size(); ++k) {
    const bool ok = k < statuses.size() && statuses[k].ok();
    StepProgress p{ok ? "done" : "failed", step, took, ""};
    std::string text =
        absl::StrCat(step, ok ? " done after " : " failed after ", FormatElapsed(took));
    if (!ok && k < statuses.size()) absl::StrAppend(&text, ": ", StatusText(statuses[k]));
    if (sink_) sink_({"progress", servers[k], std::move(text), !ok, after, p});
  }
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

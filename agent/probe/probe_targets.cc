#include "agent/probe/probe_targets.h"

#include <atomic>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace osfleet::agent {
namespace {

ProbeOutcome ParseFailure(std::string error) {
  ProbeOutcome out;
  out.failed_step = ProbeStepId::kParse;
  out.error = std::move(error);
  return out;
}

ProbeOutcome ProbeOne(const DatabaseSection& section, const std::string& address,
                      const ProbeOptions& options) {
  if (section.provider == DbProvider::kSqlServer) {
    absl::StatusOr<SqlServerAddress> a = ParseSqlServerAddress(address);
    if (!a.ok()) return ParseFailure(std::string(a.status().message()));
    return ProbeSqlServer(*a, options);
  }
  if (absl::StartsWith(address, "tns:")) {
    return ParseFailure(absl::StrCat("'", address.substr(4),
                                     "' is a TNS alias resolved by tnsnames.ora; probe the "
                                     "host:port/service it names instead"));
  }
  absl::StatusOr<OracleAddress> a = ParseOracleAddress(address);
  if (!a.ok()) return ParseFailure(std::string(a.status().message()));
  return ProbeOracle(*a, options);
}

// Why a target was not probed at all: its call ended before its turn came.
std::optional<ProbeOutcome> NotStarted(const ProbeOptions& options) {
  absl::Status s = options.cancel.Check();
  if (s.ok() && absl::Now() >= options.deadline) {
    s = absl::DeadlineExceededError("the call's time limit passed");
  }
  if (s.ok()) return std::nullopt;
  ProbeOutcome out;
  out.error = absl::StrCat("stopped before it started: ", s.message());
  return out;
}

// A current address that identity compares targets with, probed `times` times.
struct CurrentProbe {
  DatabaseSection section;
  std::vector<ProbeOutcome> outcomes;
};

// One call's probes in flight: each task writes its own slot; the last one to finish judges
// the identities and hands the results to `done`.
struct Batch {
  std::vector<ProbeTargetResult> results;
  std::vector<DatabaseSection> sections;          // results[i]'s database section
  std::vector<std::optional<size_t>> current_of;  // results[i]'s entry in `currents`
  std::vector<CurrentProbe> currents;
  std::atomic<size_t> remaining{0};
  ProbeRunner::Done done;
};

// The INSTOPT an address's probe sends: the instance the current address names.
std::string InstanceFor(const DatabaseSection& current) {
  if (current.provider != DbProvider::kSqlServer) return "";
  absl::StatusOr<SqlServerAddress> a = ParseSqlServerAddress(current.address);
  return a.ok() ? InstanceOf(*a) : "";
}

ProbeOutcome RunOne(const DatabaseSection& section, const std::string& address,
                    const ProbeOptions& options) {
  if (std::optional<ProbeOutcome> stopped = NotStarted(options)) return *std::move(stopped);
  if (section.encrypted) return ParseFailure("the address is encrypted in server.hsconf");
  return ProbeOne(section, address, options);
}

Identity Judge(const DatabaseSection& section, const std::string& candidate,
               const ProbeOutcome& outcome, const CurrentProbe& current) {
  const std::string& now = current.section.address;
  if (section.provider == DbProvider::kSqlServer) {
    absl::StatusOr<SqlServerAddress> a = ParseSqlServerAddress(now);
    absl::StatusOr<SqlServerAddress> b = ParseSqlServerAddress(candidate);
    if (!a.ok() || !b.ok()) {
      return Inconclusive(now,
                          absl::StrCat("cannot compare: ", (a.ok() ? b : a).status().message()));
    }
    return JudgeSqlServer({*a, *b, current.outcomes[0], current.outcomes[1], outcome});
  }
  absl::StatusOr<OracleAddress> a = ParseOracleAddress(now);
  absl::StatusOr<OracleAddress> b = ParseOracleAddress(candidate);
  if (!a.ok() || !b.ok()) {
    return Inconclusive(now, absl::StrCat("cannot compare: ", (a.ok() ? b : a).status().message()));
  }
  return JudgeOracle({*a, *b, current.outcomes[0], outcome});
}

void Finish(Batch& batch) {
  for (size_t i = 0; i < batch.results.size(); ++i) {
    ProbeTargetResult& r = batch.results[i];
    const std::optional<size_t>& c = batch.current_of[i];
    if (!c.has_value()) continue;
    if (batch.sections[i].encrypted) {
      r.identity = Inconclusive(
          "", "the current address is encrypted in server.hsconf: nothing to compare with");
      continue;
    }
    r.identity = Judge(batch.sections[i], r.address, r.outcome, batch.currents[*c]);
  }
  batch.done(std::move(batch.results));
}

// With identity: which current address each target is compared with, each listed once.
void PlanIdentity(Batch& batch) {
  for (size_t i = 0; i < batch.results.size(); ++i) {
    const DatabaseSection& s = batch.sections[i];
    if (batch.results[i].address == s.address) continue;  // the current address itself
    size_t c = 0;
    while (c < batch.currents.size() && (batch.currents[c].section.address != s.address ||
                                         batch.currents[c].section.provider != s.provider)) {
      ++c;
    }
    if (c == batch.currents.size()) {
      const size_t times = s.provider == DbProvider::kSqlServer ? 2 : 1;
      batch.currents.push_back({s, std::vector<ProbeOutcome>(s.encrypted ? 0 : times)});
    }
    batch.current_of[i] = c;
  }
}

}  // namespace

absl::StatusOr<std::vector<ProbeTarget>> ChooseProbeTargets(
    const HsconfDocument& doc, const std::vector<ProbeTarget>& requested) {
  std::vector<ProbeTarget> chosen;
  if (requested.empty()) {
    for (DatabaseId id : kAllDatabases) chosen.push_back({id, doc.section(id).address});
    return chosen;
  }
  std::optional<size_t> first[kAllDatabases.size()];
  for (size_t i = 0; i < requested.size(); ++i) {
    const ProbeTarget& t = requested[i];
    std::optional<size_t>& earlier = first[static_cast<size_t>(t.database)];
    if (!earlier) {
      earlier = i;
      chosen.push_back(t);
      continue;
    }
    if (requested[*earlier].address == t.address) continue;  // a repeat: probed once
    return absl::InvalidArgumentError(
        absl::StrCat("targets[", i, "]: a second address for the ", ShortName(t.database),
                     " database ('", t.address, "'; targets[", *earlier, "] is '",
                     requested[*earlier].address, "'); Probe checks one address per database"));
  }
  return chosen;
}

absl::StatusOr<absl::Duration> ProbeTimeout(absl::Duration requested, absl::Duration fallback) {
  if (requested == absl::ZeroDuration()) return fallback;
  if (requested < kMinProbeTimeout || requested > kMaxProbeTimeout) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeout: must be between ", absl::FormatDuration(kMinProbeTimeout), " and ",
                     absl::FormatDuration(kMaxProbeTimeout), " per step, got ",
                     absl::FormatDuration(requested)));
  }
  return requested;
}

ProbeRunner::ProbeRunner(Executor* operator_lane, Executor* viewer_lane, int dns_lookups_per_lane)
    : operator_lane_(operator_lane),
      viewer_lane_(viewer_lane),
      operator_dns_(std::make_shared<DnsBudget>(dns_lookups_per_lane)),
      viewer_dns_(std::make_shared<DnsBudget>(dns_lookups_per_lane)) {}

void ProbeRunner::Run(bool viewer, const HsconfDocument& doc, std::vector<ProbeTarget> targets,
                      ProbeOptions options, Done done) const {
  if (targets.empty()) {
    done({});
    return;
  }
  options.dns = viewer ? viewer_dns_ : operator_dns_;
  auto batch = std::make_shared<Batch>();
  batch->done = std::move(done);
  for (ProbeTarget& t : targets) {
    batch->sections.push_back(doc.section(t.database));
    batch->results.push_back({t.database, std::move(t.address), {}, std::nullopt});
  }
  batch->current_of.resize(batch->results.size());
  if (options.identity) PlanIdentity(*batch);
  size_t tasks = batch->results.size();
  for (const CurrentProbe& c : batch->currents) tasks += c.outcomes.size();
  batch->remaining = tasks;
  // Every slot exists before the first task runs: a task only touches its own.
  auto one_done = [batch] {
    if (batch->remaining.fetch_sub(1) == 1) Finish(*batch);
  };
  for (size_t i = 0; i < batch->results.size(); ++i) {
    ProbeOptions o = options;
    if (batch->current_of[i].has_value()) {
      o.instance_name = InstanceFor(batch->currents[*batch->current_of[i]].section);
    }
    lane(viewer)->Post([batch, i, o, one_done] {
      ProbeTargetResult& r = batch->results[i];
      r.outcome = RunOne(batch->sections[i], r.address, o);
      one_done();
    });
  }
  for (size_t c = 0; c < batch->currents.size(); ++c) {
    ProbeOptions o = options;
    o.instance_name = InstanceFor(batch->currents[c].section);
    for (size_t k = 0; k < batch->currents[c].outcomes.size(); ++k) {
      lane(viewer)->Post([batch, c, k, o, one_done] {
        CurrentProbe& p = batch->currents[c];
        p.outcomes[k] = RunOne(p.section, p.section.address, o);
        one_done();
      });
    }
  }
}

}  // namespace osfleet::agent

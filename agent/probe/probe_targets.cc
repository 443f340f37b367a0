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

// One call's targets in flight: each task writes its own result; the last one to finish
// hands them all to `done`.
struct Batch {
  std::vector<ProbeTargetResult> results;
  std::atomic<size_t> remaining{0};
  ProbeRunner::Done done;
};

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
  batch->remaining = targets.size();
  batch->done = std::move(done);
  for (ProbeTarget& t : targets) {
    batch->results.push_back({t.database, std::move(t.address), {}});
  }
  // Every result exists before the first task runs: a task only touches its own.
  for (size_t i = 0; i < batch->results.size(); ++i) {
    const DatabaseSection& s = doc.section(batch->results[i].database);
    lane(viewer)->Post([batch, i, section = s, options] {
      ProbeTargetResult& r = batch->results[i];
      if (std::optional<ProbeOutcome> stopped = NotStarted(options)) {
        r.outcome = *std::move(stopped);
      } else if (section.encrypted) {
        r.outcome = ParseFailure("the address is encrypted in server.hsconf");
      } else {
        r.outcome = ProbeOne(section, r.address, options);
      }
      if (batch->remaining.fetch_sub(1) == 1) batch->done(std::move(batch->results));
    });
  }
}

}  // namespace osfleet::agent

#include "agent/probe/probe_targets.h"

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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

}  // namespace

std::vector<ProbeTargetResult> ProbeTargets(const HsconfDocument& doc,
                                            const std::vector<EndpointEdit>& edits,
                                            const ProbeOptions& options) {
  std::vector<ProbeTargetResult> results;
  if (edits.empty()) {
    for (DatabaseId id : kAllDatabases) results.push_back({id, doc.section(id).address, {}});
  } else {
    for (const EndpointEdit& e : edits) results.push_back({e.database, e.address, {}});
  }
  std::vector<std::thread> threads;
  for (ProbeTargetResult& r : results) {
    const DatabaseSection& section = doc.section(r.database);
    if (section.encrypted) {
      r.outcome = ParseFailure("the address is encrypted in server.hsconf");
      continue;
    }
    threads.emplace_back(
        [&r, &section, &options] { r.outcome = ProbeOne(section, r.address, options); });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

}  // namespace osfleet::agent

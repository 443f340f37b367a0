#include "ctl/output/describe.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace osfleet::ctl {

std::string DatabaseName(v1::Database database) {
  switch (database) {
    case v1::DATABASE_PLATFORM:
      return "platform";
    case v1::DATABASE_LOGGING:
      return "log";
    case v1::DATABASE_SESSION:
      return "session";
    default:
      return "unknown";
  }
}

std::string ProviderName(v1::Provider provider) {
  switch (provider) {
    case v1::PROVIDER_SQL_SERVER:
      return "SqlServer";
    case v1::PROVIDER_ORACLE:
      return "Oracle";
    default:
      return "unknown";
  }
}

std::vector<std::string> DriftLines(
    const std::vector<HostReply<v1::GetEndpointsResponse>>& replies) {
  // database -> address -> servers
  std::map<int, std::map<std::string, std::vector<std::string>>> seen;
  for (const auto& r : replies) {
    if (!r.ok()) continue;
    for (const v1::Endpoint& e : r.response.endpoints()) {
      seen[e.database()][e.encrypted() ? "(encrypted)" : e.address()].push_back(r.server->name);
    }
  }
  std::vector<std::string> lines;
  for (const auto& [db, addresses] : seen) {
    if (addresses.size() < 2) continue;
    std::vector<std::string> parts;
    for (const auto& [address, servers] : addresses) {
      parts.push_back(absl::StrCat(address, " (", absl::StrJoin(servers, ", "), ")"));
    }
    lines.push_back(absl::StrCat(DatabaseName(static_cast<v1::Database>(db)), ": ",
                                 absl::StrJoin(parts, " | ")));
  }
  return lines;
}

}  // namespace osfleet::ctl

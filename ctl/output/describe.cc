#include "ctl/output/describe.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/escape.h"

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
      parts.push_back(
          absl::StrCat(EscapeControls(address), " (", absl::StrJoin(servers, ", "), ")"));
    }
    lines.push_back(absl::StrCat(DatabaseName(static_cast<v1::Database>(db)), ": ",
                                 absl::StrJoin(parts, " | ")));
  }
  return lines;
}

std::string DescribePhaseEvent(const v1::PhaseEvent& e) {
  switch (e.event_case()) {
    case v1::PhaseEvent::kModulesListed:
      return absl::StrCat(e.modules_listed().modules_size(), " module(s) to republish");
    case v1::PhaseEvent::kPublishStarted:
      return absl::StrCat("publish ", e.publish_started().publish_id(), " started");
    case v1::PhaseEvent::kMessage: {
      const auto& m = e.message();
      const char* type = m.type() == v1::PUBLISH_MESSAGE_TYPE_ERROR     ? "error"
                         : m.type() == v1::PUBLISH_MESSAGE_TYPE_WARNING ? "warning"
                                                                        : "info";
      return absl::StrCat(type, ": ", m.message(), m.detail().empty() ? "" : " — ", m.detail());
    }
    case v1::PhaseEvent::kAborting:
      return absl::StrCat("aborting the publish: ", e.aborting().reason());
    case v1::PhaseEvent::kFinished: {
      const auto& f = e.finished();
      if (f.dry_run())
        return absl::StrCat("dry run: ", f.modules(), " module(s) would be republished");
      return absl::StrCat("publish ", f.publish_id(), " finished: ", f.modules(), " module(s), ",
                          f.infos(), " info, ", f.warnings(), " warning(s), ", f.errors(),
                          " error(s)");
    }
    default:
      return "";
  }
}

bool IsBadPhaseEvent(const v1::PhaseEvent& e) {
  return e.has_aborting() ||
         (e.has_message() && e.message().type() == v1::PUBLISH_MESSAGE_TYPE_ERROR);
}

Color PhaseEventColor(const v1::PhaseEvent& e) {
  if (IsBadPhaseEvent(e)) return Color::kRed;
  if (e.has_message() && e.message().type() == v1::PUBLISH_MESSAGE_TYPE_WARNING) {
    return Color::kYellow;
  }
  return Color::kNone;
}

std::string ServiceStateName(v1::ServiceState state) {
  switch (state) {
    case v1::SERVICE_STATE_STOPPED:
      return "stopped";
    case v1::SERVICE_STATE_STARTING:
      return "starting";
    case v1::SERVICE_STATE_RUNNING:
      return "running";
    case v1::SERVICE_STATE_STOPPING:
      return "stopping";
    case v1::SERVICE_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

Color ServiceStateColor(v1::ServiceState state) {
  if (state == v1::SERVICE_STATE_RUNNING) return Color::kGreen;
  if (state == v1::SERVICE_STATE_FAILED) return Color::kRed;
  return Color::kYellow;
}

}  // namespace osfleet::ctl

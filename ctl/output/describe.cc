#include "ctl/output/describe.h"

#include <algorithm>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/text/escape.h"

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

std::string DiffField(const v1::FieldDiff& diff) {
  if (diff.keyword().empty()) return diff.element();
  return absl::StrCat(diff.element(), " ", diff.keyword());
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

namespace {

// "2 of 6 module(s) to republish; flagged by Service Center: Module2 (6 outdated ...)".
std::string DescribeModulesListed(const v1::ModulesListed& m) {
  constexpr int kNamed = 10;
  // The agent leaves modules out of a long list (modules_omitted); the counts are whole.
  std::string text = absl::StrCat(m.modules_size() + m.modules_omitted(), " of ", m.listed(),
                                  " module(s) to republish");
  if (m.republish() == v1::REPUBLISH_POLICY_ALL) absl::StrAppend(&text, " (republish: all)");
  if (m.republish() == v1::REPUBLISH_POLICY_NONE) absl::StrAppend(&text, " (republish: none)");
  const int flagged = m.flagged_size() + m.flagged_omitted();
  if (flagged == 0) return text;
  std::vector<std::string> why;
  for (int i = 0; i < m.flagged_size() && i < kNamed; ++i) {
    why.push_back(absl::StrCat(m.flagged(i).name(), " (", m.flagged(i).flagged_because(), ")"));
  }
  const int named = std::min(m.flagged_size(), kNamed);
  if (flagged > named) why.push_back(absl::StrCat("and ", flagged - named, " more"));
  return absl::StrCat(text, "; flagged by Service Center: ", absl::StrJoin(why, ", "));
}

// "wire: WSDL http://…?WSDL: SOAP 1.1; Modules_Get <Modules_Get>(username, password)
// action "…"; …": which names the agent uses, and where they came from.
std::string DescribeWire(const v1::WireInUse& w) {
  std::vector<std::string> ops;
  std::string version;
  for (const v1::WireOperation& op : w.operations()) {
    if (version.empty()) version = op.soap_version();
    ops.push_back(absl::StrCat(op.name(), " <", op.request_element(), ">(",
                               absl::StrJoin(op.inputs(), ", "), ") action \"", op.action(), "\"",
                               op.soap_version() == version ? "" : " SOAP " + op.soap_version()));
  }
  return absl::StrCat("wire: ", w.source(),
                      w.note().empty() ? "" : absl::StrCat(" (", w.note(), ")"), ": SOAP ", version,
                      "; ", absl::StrJoin(ops, "; "));
}

}  // namespace

std::string DescribePhaseEvent(const v1::PhaseEvent& e) {
  switch (e.event_case()) {
    case v1::PhaseEvent::kWire:
      return DescribeWire(e.wire());
    case v1::PhaseEvent::kModulesListed:
      return DescribeModulesListed(e.modules_listed());
    case v1::PhaseEvent::kSettingsApplying:
      return absl::StrCat(e.settings_applying().dry_run() ? "would apply" : "applying",
                          " the settings to the factory: ", e.settings_applying().command_line());
    case v1::PhaseEvent::kSettingsApplied: {
      const auto& a = e.settings_applied();
      if (!a.error().empty()) return absl::StrCat("applying the settings failed: ", a.error());
      return absl::StrFormat("settings applied: %s exited with status %d after %.1fs",
                             a.command_line(), a.exit_code(),
                             a.duration().seconds() + a.duration().nanos() / 1e9);
    }
    case v1::PhaseEvent::kServiceCenterWait: {
      const auto& w = e.service_center_wait();
      const double waited = w.waited().seconds() + w.waited().nanos() / 1e9;
      if (w.answering()) {
        return absl::StrFormat("Service Center answers again after %.1fs (%d call(s))", waited,
                               w.attempts());
      }
      return absl::StrFormat("waiting for Service Center (its services restart): %s",
                             w.last_error());
    }
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
      if (f.dry_run()) {
        return absl::StrCat("dry run: ", f.modules(), " module(s) would be republished");
      }
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
         (e.has_message() && e.message().type() == v1::PUBLISH_MESSAGE_TYPE_ERROR) ||
         (e.has_settings_applied() && !e.settings_applied().error().empty());
}

Color PhaseEventColor(const v1::PhaseEvent& e) {
  if (IsBadPhaseEvent(e)) return Color::kRed;
  // Names guessed by convention, not read from the WSDL: worth a look.
  if (e.has_wire() && !e.wire().note().empty()) return Color::kYellow;
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

// fleet status: reachability, agent and Platform Server versions, role, revision, database
// addresses, drift.
#include <map>

#include "absl/strings/str_cat.h"
#include "common/api/role.h"
#include "ctl/commands/fleet/fleet.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/services_lag.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

std::string PlatformAddress(const v1::GetEndpointsResponse& endpoints) {
  for (const v1::Endpoint& e : endpoints.endpoints()) {
    if (e.database() == v1::DATABASE_PLATFORM) return e.address();
  }
  return "";
}

// "-" for a value the agent cannot tell (a Platform Server version off Windows).
std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

// Whether the services run on the file as it is: "current", "restart needed" (some run
// on another revision: the line under the table says which), "-" without services.
Cell ServicesCell(const v1::AgentInfo& a) {
  if (a.service_revisions().empty() || !a.hsconf_error().empty()) return Cell("-");
  if (LaggingServices(a).empty()) return Cell("current", Color::kGreen);
  return Cell("restart needed", Color::kYellow);
}

// The hosts that did not answer, and those whose agent cannot read its server.hsconf.
std::vector<HostFailure> StatusFailures(const std::vector<HostReply<v1::AgentInfo>>& info) {
  std::vector<HostFailure> failures = Failures(info);
  for (const auto& r : info) {
    if (r.ok() && !r.response.hsconf_error().empty()) {
      failures.push_back({r.server, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                                 r.response.hsconf_error())});
    }
  }
  return failures;
}

void PrintTable(const FleetContext& ctx, const std::vector<HostReply<v1::AgentInfo>>& info,
                const std::vector<HostReply<v1::GetEndpointsResponse>>& endpoints) {
  Table table({"SERVER", "ROLE", "ADDRESS", "STATUS", "AGENT", "PLATFORM SERVER", "REVISION",
               "SERVICES", "PLATFORM DB"});
  for (size_t i = 0; i < info.size(); ++i) {
    const Server& s = *info[i].server;
    if (!info[i].ok()) {
      table.AddRow({s.name, RoleName(s.role), s.Target(),
                    Cell(DidNotAnswer(info[i].status) ? "unreachable" : "error", Color::kRed)});
      continue;
    }
    const v1::AgentInfo& a = info[i].response;
    const bool hsconf_ok = a.hsconf_error().empty();
    table.AddRow({s.name, RoleName(a.role()), s.Target(),
                  hsconf_ok ? Cell("ok", Color::kGreen) : Cell("hsconf error", Color::kRed),
                  a.agent_version(), OrDash(a.platform_server_version()),
                  ShortRevision(a.revision()), ServicesCell(a),
                  endpoints[i].ok() ? PlatformAddress(endpoints[i].response) : ""});
  }
  std::string out = table.Render(ctx.color());
  for (const auto& r : info) {
    if (!r.ok() || !r.response.hsconf_error().empty()) continue;
    const std::string line = ServicesLagLine(r.server->name, r.response);
    if (!line.empty()) {
      absl::StrAppend(&out, Paint("services: " + line, Color::kYellow, ctx.color()), "\n");
    }
  }
  for (const std::string& line : DriftLines(endpoints)) {
    absl::StrAppend(&out, Paint("drift: " + line, Color::kYellow, ctx.color()), "\n");
  }
  PrintOut(out + Footer(info.size(), StatusFailures(info), ctx.color()));
}

void PrintJsonReport(const std::vector<HostReply<v1::AgentInfo>>& info,
                     const std::vector<HostReply<v1::GetEndpointsResponse>>& endpoints) {
  nlohmann::json hosts = nlohmann::json::array();
  for (size_t i = 0; i < info.size(); ++i) {
    nlohmann::json h = HostJson(info[i]);
    if (endpoints[i].ok()) h["endpoints"] = ProtoToJson(endpoints[i].response);
    hosts.push_back(std::move(h));
  }
  nlohmann::json doc = {{"command", "fleet status"}, {"hosts", hosts}};
  doc.update(FailuresJson(Failures(info)));
  doc["drift"] = DriftLines(endpoints);
  PrintJson(doc);
}

int RunFleetStatus(const FleetContext& c) {
  auto info = CallGetInfo(c.targets(), c.fanout());
  auto endpoints = CallGetEndpoints(c.targets(), c.fanout());
  if (c.format() != OutputFormat::kTable) {
    PrintJsonReport(info, endpoints);
  } else {
    PrintTable(c, info, endpoints);
  }
  return ExitCodeForHosts(StatusFailures(info), kExitFailed);
}

}  // namespace

void AddFleetStatus(CLI::App& fleet, const GlobalOptions& global, Action& action) {
  CLI::App* status =
      fleet.add_subcommand("status", "reachability, versions, role, revision, database");
  OnChosen(status, action, [&global] { return WithFleet(global, RunFleetStatus); });
}

}  // namespace osfleet::ctl

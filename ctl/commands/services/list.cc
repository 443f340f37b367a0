// services list: every service on every server and its state.
#include <google/protobuf/util/time_util.h>

#include "ctl/commands/services/services.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

Table ServicesTable(const std::vector<HostReply<v1::ListServicesResponse>>& replies) {
  Table table({"SERVER", "SERVICE", "STATE", "PID", "SINCE", "DETAIL"});
  for (const auto& r : replies) {
    for (const v1::ServiceStatus& s : r.response.services()) {
      table.AddRow(
          {r.server->name, s.name(),
           Cell(ServiceStateName(s.state()), ServiceStateColor(s.state())),
           s.pid() > 0 ? std::to_string(s.pid()) : "",
           s.has_started_at() ? google::protobuf::util::TimeUtil::ToString(s.started_at()) : "",
           s.detail()});
    }
  }
  return table;
}

int RunServicesList(const FleetContext& c) {
  auto replies = CallListServices(c.targets(), c.fanout());
  PrintHosts(c, HostsDocument("services list", replies), ServicesTable(replies).Render(c.color()),
             replies);
  return ExitCodeForHosts(Failures(replies), kExitFailed);
}

}  // namespace

void AddServicesList(CLI::App& services, const GlobalOptions& global, Action& action) {
  CLI::App* list = services.add_subcommand("list", "every service and its state");
  OnChosen(list, action, [&global] { return WithFleet(global, RunServicesList); });
}

}  // namespace osfleet::ctl

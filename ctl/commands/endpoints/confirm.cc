// endpoints confirm: keep the change pending confirmation on every selected server.
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

Table ConfirmTable(const std::vector<HostReply<v1::ConfirmResponse>>& replies) {
  Table table({"SERVER", "CHANGE", "REVISION", "RESULT"});
  for (const auto& r : replies) {
    if (r.ok()) {
      table.AddRow({r.server->name, r.response.change_id(), ShortRevision(r.response.revision()),
                    Cell("confirmed", Color::kGreen)});
    } else {
      table.AddRow({r.server->name, "", "", Cell(FailureWord(r.status), Color::kRed)});
    }
  }
  return table;
}

int RunEndpointsConfirm(const FleetContext& c, const std::string& change_id) {
  auto replies =
      CallConfirm(c.targets(), c.fanout(), std::vector<std::string>(c.targets().size(), change_id));
  PrintHosts(c, HostsDocument("endpoints confirm", replies),
             ConfirmTable(replies).Render(c.color()), replies);
  return ExitCodeForHosts(Failures(replies), kExitFailed);
}

}  // namespace

void AddEndpointsConfirm(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  auto change_id = std::make_shared<std::string>();
  CLI::App* confirm = endpoints.add_subcommand("confirm", "keep the change pending confirmation");
  confirm->add_option("--change", *change_id,
                      "only this change id (default: whichever is pending)");
  OnChosen(confirm, action, [&global, change_id] {
    return WithCheckedFleet(
        global, [&](const FleetContext& c) { return RunEndpointsConfirm(c, *change_id); });
  });
}

}  // namespace osfleet::ctl

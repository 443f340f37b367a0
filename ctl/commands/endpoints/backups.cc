// endpoints backups: the server.hsconf backups each agent keeps.
#include <google/protobuf/util/time_util.h>

#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

Table BackupsTable(const std::vector<HostReply<v1::ListBackupsResponse>>& replies) {
  Table table({"SERVER", "BACKUP", "CREATED", "REVISION", "REASON"});
  for (const auto& r : replies) {
    for (const v1::Backup& b : r.response.backups()) {
      table.AddRow({r.server->name, b.id(),
                    google::protobuf::util::TimeUtil::ToString(b.created_at()),
                    ShortRevision(b.revision()), b.reason()});
    }
  }
  return table;
}

int RunEndpointsBackups(const FleetContext& c) {
  auto replies = CallListBackups(c.targets(), c.fanout());
  PrintHosts(c, HostsDocument("endpoints backups", replies),
             BackupsTable(replies).Render(c.color()), replies);
  return ExitCodeForHosts(Failures(replies), kExitFailed);
}

}  // namespace

void AddEndpointsBackups(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  CLI::App* backups =
      endpoints.add_subcommand("backups", "list the server.hsconf backups every agent keeps");
  OnChosen(backups, action, [&global] { return WithFleet(global, RunEndpointsBackups); });
}

}  // namespace osfleet::ctl

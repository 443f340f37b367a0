#include <google/protobuf/util/time_util.h>

#include "ctl/rpc/agent_calls.h"
#include "ctl/commands/commands.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {

int RunEndpointsBackups(const GlobalOptions& options) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  auto replies = CallListBackups(c.targets(), c.fanout());
  if (c.format() != OutputFormat::kTable) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& r : replies) hosts.push_back(HostJson(r));
    nlohmann::json doc = {{"command", "endpoints backups"}, {"hosts", hosts}};
    doc.update(FailuresJson(Failures(replies)));
    PrintJson(doc, c.format());
  } else {
    Table table({"SERVER", "BACKUP", "CREATED", "REVISION", "REASON"});
    for (const auto& r : replies) {
      for (const v1::Backup& b : r.response.backups()) {
        table.AddRow({r.server->name, b.id(),
                      google::protobuf::util::TimeUtil::ToString(b.created_at()),
                      ShortRevision(b.revision()), b.reason()});
      }
    }
    PrintOut(table.Render(c.color()) + Footer(replies.size(), Failures(replies), c.color()));
  }
  return Failures(replies).empty() ? kExitOk : kExitFailed;
}

}  // namespace osfleet::ctl

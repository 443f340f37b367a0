#include "absl/strings/str_cat.h"
#include "ctl/rpc/agent_calls.h"
#include "ctl/commands/commands.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

void PrintTable(const FleetContext& ctx,
                const std::vector<HostReply<v1::GetEndpointsResponse>>& replies) {
  Table table({"SERVER", "DATABASE", "PROVIDER", "ADDRESS", "REVISION"});
  for (const auto& r : replies) {
    if (!r.ok()) continue;
    for (const v1::Endpoint& e : r.response.endpoints()) {
      table.AddRow({r.server->name, DatabaseName(e.database()), ProviderName(e.provider()),
                    e.encrypted() ? Cell("(encrypted)", Color::kYellow) : Cell(e.address()),
                    ShortRevision(r.response.revision())});
    }
  }
  std::string out = table.Render(ctx.color());
  for (const std::string& line : DriftLines(replies)) {
    absl::StrAppend(&out, Paint("drift: " + line, Color::kYellow, ctx.color()), "\n");
  }
  PrintOut(out + Footer(replies.size(), Failures(replies), ctx.color()));
}

}  // namespace

int RunEndpointsGet(const GlobalOptions& options) {
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  auto replies = CallGetEndpoints(c.targets(), c.fanout());
  if (c.format() != OutputFormat::kTable) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& r : replies) hosts.push_back(HostJson(r));
    nlohmann::json doc = {{"command", "endpoints get"}, {"hosts", hosts}};
    doc.update(FailuresJson(Failures(replies)));
    doc["drift"] = DriftLines(replies);
    PrintJson(doc, c.format());
  } else {
    PrintTable(c, replies);
  }
  return Failures(replies).empty() ? kExitOk : kExitFailed;
}

}  // namespace osfleet::ctl

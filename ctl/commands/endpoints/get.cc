// endpoints get: the three endpoints of every server, and where servers disagree (drift).
#include "absl/strings/str_cat.h"
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

std::string TableText(const FleetContext& ctx,
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
  return out;
}

int RunEndpointsGet(const FleetContext& c) {
  auto replies = CallGetEndpoints(c.targets(), c.fanout());
  nlohmann::json doc = HostsDocument("endpoints get", replies);
  doc["drift"] = DriftLines(replies);
  PrintHosts(c, doc, TableText(c, replies), replies);
  return ExitCodeForHosts(Failures(replies), kExitFailed);
}

}  // namespace

void AddEndpointsGet(CLI::App& endpoints, const GlobalOptions& global, Action& action) {
  CLI::App* get =
      endpoints.add_subcommand("get", "show every server's Platform, Log and Session endpoints");
  OnChosen(get, action, [&global] { return WithFleet(global, RunEndpointsGet); });
}

}  // namespace osfleet::ctl

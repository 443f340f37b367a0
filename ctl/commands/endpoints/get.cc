// endpoints get: the three endpoints of every server, and where servers disagree (drift).
#include "absl/strings/str_cat.h"
#include "common/text/escape.h"
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/output/describe.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

std::string AdvancedNote(const v1::AdvancedSettingsAddress& a) {
  if (a.overridden()) return "overridden by a later keyword";
  return a.failover_partner() ? "failover partner" : "overrides the address";
}

// Every server's advanced-settings address keywords (never a password: the agent sends
// none) and the elements it could not read; empty when there are none.
std::string AdvancedText(const FleetContext& ctx,
                         const std::vector<HostReply<v1::GetEndpointsResponse>>& replies) {
  Table table({"SERVER", "DATABASE", "ELEMENT", "KEYWORD", "VALUE", "NOTE"});
  std::string problems;
  for (const auto& r : replies) {
    if (!r.ok()) continue;
    for (const v1::Endpoint& e : r.response.endpoints()) {
      for (const v1::AdvancedSettingsAddress& a : e.advanced_settings()) {
        table.AddRow({r.server->name, DatabaseName(e.database()), a.element(), a.keyword(),
                      a.value(), Cell(AdvancedNote(a), Color::kYellow)});
      }
      for (const std::string& p : e.advanced_settings_problems()) {
        absl::StrAppend(&problems,
                        Paint(absl::StrCat("advanced settings (", r.server->name, ", ",
                                           DatabaseName(e.database()), "): ", EscapeControls(p)),
                              Color::kYellow, ctx.color()),
                        "\n");
      }
    }
  }
  if (table.empty()) return problems;
  return absl::StrCat("\nAddresses in advanced settings (they override the address above):\n",
                      table.Render(ctx.color()), problems);
}

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
  return out + AdvancedText(ctx, replies);
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

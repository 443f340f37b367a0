#include "ctl/output/endpoint_diffs.h"

namespace osfleet::ctl {

nlohmann::json ChangesJson(const std::vector<v1::EndpointChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : changes) out.push_back(ProtoToJson(c));
  return out;
}

void PrintEndpointsPlan(const FleetContext& ctx, const std::vector<v1::EndpointChange>& changes,
                        const std::vector<HostReply<v1::PlanEndpointsResponse>>& plan,
                        const std::string& note) {
  nlohmann::json doc = HostsDocument("endpoints plan", plan);
  doc["changes"] = ChangesJson(changes);
  if (!note.empty()) doc["refused"] = note;
  Table table({"SERVER", "DATABASE", "FIELD", "CHANGE", "RESULT"});
  for (const auto& r : plan) AddDiffRows(table, r, "planned");
  std::string text = table.Render(ctx.color()) + Warnings(plan, ctx.color());
  if (!note.empty()) {
    absl::StrAppend(&text, Paint(EscapeControls(note), Color::kRed, ctx.color()), "\n");
  }
  PrintHosts(ctx, doc, text, plan);
}

}  // namespace osfleet::ctl

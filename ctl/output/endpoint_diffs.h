// How a planned or applied endpoints change is printed: one table row per changed field
// ("old → new"), each warning once naming every server that gave it, the changes as JSON.
// Shared by `endpoints plan` and `endpoints set`.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text/escape.h"
#include "ctl/fleet/context.h"
#include "ctl/output/describe.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

inline constexpr const char* kArrow = "→";

// Rows of SERVER, DATABASE, FIELD, CHANGE, RESULT for a Plan or Set reply.
template <typename Reply>
void AddDiffRows(Table& table, const Reply& r, const std::string& result) {
  if (!r.ok()) {
    table.AddRow({r.server->name, "", "", "", Cell(FailureWord(r.status), Color::kRed)});
    return;
  }
  if (r.response.diffs().empty()) {
    table.AddRow({r.server->name, "", "", "", Cell("no change", Color::kDim)});
    return;
  }
  for (const v1::FieldDiff& d : r.response.diffs()) {
    table.AddRow({r.server->name, DatabaseName(d.database()), DiffField(d),
                  absl::StrCat(d.old_value(), " ", kArrow, " ", d.new_value()),
                  Cell(result, Color::kGreen)});
  }
}

// "warning (fe01, fe02): ..." lines: the same warning from many servers is printed once.
template <typename Reply>
std::string Warnings(const std::vector<Reply>& replies, bool color) {
  std::map<std::string, std::vector<std::string>> servers_by_warning;
  std::vector<std::string> order;
  for (const auto& r : replies) {
    if (!r.ok()) continue;
    for (const std::string& w : r.response.warnings()) {
      auto& names = servers_by_warning[w];
      if (names.empty()) order.push_back(w);
      names.push_back(r.server->name);
    }
  }
  std::string out;
  for (const std::string& w : order) {
    const std::string line = absl::StrCat("warning (", absl::StrJoin(servers_by_warning[w], ", "),
                                          "): ", EscapeControls(w));
    absl::StrAppend(&out, Paint(line, Color::kYellow, color), "\n");
  }
  return out;
}

nlohmann::json ChangesJson(const std::vector<v1::EndpointChange>& changes);

// The plan of every server; `note` (may be empty) says why nothing was changed.
void PrintEndpointsPlan(const FleetContext& ctx, const std::vector<v1::EndpointChange>& changes,
                        const std::vector<HostReply<v1::PlanEndpointsResponse>>& plan,
                        const std::string& note);

}  // namespace osfleet::ctl

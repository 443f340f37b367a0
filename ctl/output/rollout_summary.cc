#include "ctl/output/rollout_summary.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"
#include "common/escape.h"
#include "common/json_util.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

Color StateColor(HostState s) {
  switch (s) {
    case HostState::kConfirmed:
      return Color::kGreen;
    case HostState::kFailed:
      return Color::kRed;
    default:
      return Color::kYellow;
  }
}

Table HostsTable(const Journal& j) {
  Table table({"SERVER", "ROLE", "BATCH", "PLATFORM (BEFORE)", "RESTART", "STATE", "NOTE"});
  for (const HostRecord& h : j.hosts) {
    auto it = h.old_addresses.find("platform");
    table.AddRow({h.name, h.role, std::to_string(h.batch + 1),
                  it == h.old_addresses.end() ? "" : it->second,
                  h.restart_seconds > 0 ? absl::StrFormat("%.1fs", h.restart_seconds) : "",
                  Cell(HostStateName(h.state), StateColor(h.state)), h.error});
  }
  return table;
}

}  // namespace

std::string RolloutSummary(const Journal& j, bool color) {
  std::string out = absl::StrCat("\nrollout ", j.id, ": ", RolloutPhaseName(j.phase), "\n",
                                 HostsTable(j).Render(color));
  if (!j.service_center.empty()) {
    absl::StrAppend(&out, "service center: ", EscapeControls(j.service_center), "\n");
  }
  if (!j.note.empty()) absl::StrAppend(&out, Paint(EscapeControls(j.note), Color::kYellow, color), "\n");
  if (j.updated == absl::InfinitePast()) {  // a plan: never saved
    absl::StrAppend(&out,
                    "plan only: nothing was changed; `osctl rollout apply` with the same "
                    "flags applies it\n");
  } else {
    absl::StrAppend(
        &out, "elapsed ",
        absl::FormatDuration(absl::Trunc(j.updated - j.created, absl::Milliseconds(100))),
        "; journal ", j.path, "\n");
  }
  return out;
}

void PrintRolloutResult(OutputFormat format, bool color, const Journal& j) {
  if (format == OutputFormat::kTable) {
    PrintOut(RolloutSummary(j, color));
    return;
  }
  absl::StatusOr<std::string> text = ReadFileCapped(j.path, 16 << 20);
  absl::StatusOr<nlohmann::json> parsed = ParseJson(text.ok() ? *text : "{}", j.path);
  nlohmann::json doc = parsed.ok() ? *std::move(parsed) : nlohmann::json::object();
  if (format == OutputFormat::kJsonl) doc = {{"kind", "summary"}, {"journal", doc}};
  PrintJson(doc, format);
}

}  // namespace osfleet::ctl

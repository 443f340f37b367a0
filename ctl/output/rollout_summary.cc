#include "ctl/output/rollout_summary.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/io/atomic_file.h"
#include "common/text/escape.h"
#include "common/text/json_util.h"
#include "ctl/output/moves.h"
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

// "OLD → NEW" for a database a host moves; just "NEW" when it was there already.
std::string MoveCell(const HostRecord& h, const DatabaseMove& m) {
  auto it = h.old_addresses.find(m.database);
  if (it == h.old_addresses.end() || it->second == m.to) return m.to;
  return absl::StrCat(it->second, " → ", m.to);
}

// One column per database the rollout moves (PLATFORM, LOG, SESSION): before → after.
Table HostsTable(const Journal& j) {
  const std::vector<DatabaseMove> moves = MovesOf(j);
  std::vector<std::string> headers = {"SERVER", "ROLE", "BATCH"};
  for (const DatabaseMove& m : moves) headers.push_back(absl::AsciiStrToUpper(m.database));
  for (const char* h : {"RESTART", "STATE", "NOTE"}) headers.push_back(h);
  Table table(std::move(headers));
  for (const HostRecord& h : j.hosts) {
    std::vector<Cell> row = {h.name, h.role, std::to_string(h.batch + 1)};
    for (const DatabaseMove& m : moves) row.push_back(MoveCell(h, m));
    row.push_back(h.restart_seconds > 0 ? absl::StrFormat("%.1fs", h.restart_seconds) : "");
    row.push_back(Cell(HostStateName(h.state), StateColor(h.state)));
    row.push_back(h.error);
    table.AddRow(std::move(row));
  }
  return table;
}

// "confirmed on the new address: 3 of 5 servers"
std::string OutcomeLine(const Journal& j) {
  size_t confirmed = 0;
  for (const HostRecord& h : j.hosts) confirmed += h.state == HostState::kConfirmed;
  return absl::StrCat("confirmed on the new address: ", confirmed, " of ", j.hosts.size(),
                      " servers\n");
}

// The last check of the old addresses: whether each can be retired, and why.
std::string DrainLines(const DrainCheck& d, bool color) {
  if (d.checked == absl::InfinitePast()) return "";
  std::string out = absl::StrCat(
      "old addresses checked ",
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", d.checked, absl::UTCTimeZone()),
      d.waited.empty() ? "" : absl::StrCat(" (waited up to ", EscapeControls(d.waited), ")"), "\n");
  for (const DrainAddress& a : d.addresses) {
    const std::string line = absl::StrCat("old address ", a.address, ": ", a.reason);
    absl::StrAppend(
        &out, Paint(EscapeControls(line), a.retire ? Color::kGreen : Color::kYellow, color), "\n");
  }
  return out;
}

}  // namespace

std::string RolloutSummary(const Journal& j, bool color) {
  std::string out = absl::StrCat("\nrollout ", j.id, ": ", RolloutPhaseName(j.phase), "\n",
                                 "target: ", EscapeControls(MovesText(MovesOf(j))), "\n",
                                 HostsTable(j).Render(color));
  if (j.updated != absl::InfinitePast()) absl::StrAppend(&out, OutcomeLine(j));
  if (!j.service_center.empty()) {
    absl::StrAppend(&out, "service center: ", EscapeControls(j.service_center), "\n");
  }
  absl::StrAppend(&out, DrainLines(j.drain, color));
  if (!j.note.empty()) {
    absl::StrAppend(&out, Paint(EscapeControls(j.note), Color::kYellow, color), "\n");
  }
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
  doc["target"] = MovesJson(MovesOf(j));
  if (format == OutputFormat::kJsonl) doc = {{"kind", "summary"}, {"journal", doc}};
  PrintJson(doc, format);
}

}  // namespace osfleet::ctl

// rollout status [ID]: where a rollout stands: its journal, and — unless --offline — what
// every one of its servers says now, so that a split fleet (some servers on the new
// address, others on the old) is reported in the first line, and so is a server whose
// services still run on another server.hsconf than its file. The journal's last check of
// the old addresses is printed; --check-drained makes a new one (a fan-out per old
// address, recorded in the journal) — not by default, since status otherwise never writes.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/io/atomic_file.h"
#include "common/text/escape.h"
#include "common/text/json_util.h"
#include "ctl/commands/rollout/rollout.h"
#include "ctl/ops/rollout/drain.h"
#include "ctl/ops/rollout/fleet_view.h"
#include "ctl/ops/rollout/journal_fleet.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/moves.h"
#include "ctl/output/report.h"
#include "ctl/output/rollout_summary.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

struct StatusOptions {
  std::string id;
  bool offline = false;
  bool check_drained = false;  // ask every server again whether the old addresses are used
};

// --check-drained: one check of the old addresses, recorded in the journal (a record of
// this operator's: the servers are only read). Only for a finished rollout of this fleet.
void CheckDrainedNow(const FleetContext& ctx, Journal& journal, bool matches, bool color) {
  if (!matches || journal.phase != RolloutPhase::kDone) {
    PrintOut(Paint(absl::StrCat("old addresses not checked: ",
                                matches ? absl::StrCat("rollout ", journal.id, " is ",
                                                       RolloutPhaseName(journal.phase),
                                                       ", not done (its servers may use them)")
                                        : "the journal is not this fleet's"),
                   Color::kYellow, color) +
             "\n");
    return;
  }
  EventPrinter printer(ctx.format(), color);
  CheckDrained(
      ctx, journal, DrainOptions{},
      [&printer](const std::string& server, const std::string& text, bool bad) {
        printer.Step("drain", server, text, bad);
      },
      InterruptFlag());
  if (absl::Status s = SaveJournal(journal); !s.ok()) ReportError(s);
}

void PrintStatusJson(const Journal& journal, const FleetView* view,
                     const FleetComparison* comparison) {
  absl::StatusOr<std::string> text = ReadFileCapped(journal.path, kMaxJournalBytes);
  absl::StatusOr<nlohmann::json> parsed = ParseJson(text.ok() ? *text : "{}", journal.path);
  nlohmann::json doc = parsed.ok() ? *std::move(parsed) : nlohmann::json::object();
  doc["target"] = MovesJson(MovesOf(journal));
  if (view != nullptr) doc["fleet"] = view->ToJson();
  if (comparison != nullptr) {
    doc["inventory_match"] = {{"matches", comparison->matches()},
                              {"differences", comparison->differences},
                              {"notes", comparison->notes}};
  }
  PrintJson(doc);
}

// The record does not describe the operator's fleet: said before it is printed.
std::string MismatchLine(const Journal& journal, const FleetComparison& c,
                         const GlobalOptions& global) {
  return absl::StrCat("NOT THIS FLEET'S RECORD: rollout ", journal.id,
                      " does not match the inventory ", InventoryPath(global.inventory), ": ",
                      absl::StrJoin(c.differences, "; "),
                      " (resume and rollback refuse it; the record below is the journal's)");
}

int RunRolloutStatus(const GlobalOptions& global, const StatusOptions& o) {
  if (o.check_drained && o.offline) {
    return ReportError(absl::InvalidArgumentError(
        "--check-drained asks every server; it cannot be combined with --offline"));
  }
  absl::StatusOr<Journal> journal = LoadJournal(o.id);
  if (!journal.ok()) return ReportError(journal.status());
  std::unique_ptr<FleetView> view;
  std::unique_ptr<FleetComparison> comparison;
  std::string why_offline;
  if (!o.offline) {
    // The operator's inventory (never the journal's): asking its servers reads only.
    absl::StatusOr<std::unique_ptr<FleetContext>> ctx = OpenRolloutFleet(global);
    if (ctx.ok()) {
      comparison = std::make_unique<FleetComparison>(
          CompareWithFleet(*journal, (*ctx)->servers(), CaFingerprint((*ctx)->connection())));
      view = std::make_unique<FleetView>(ObserveFleet(**ctx, *journal));
      view->target = MovesText(MovesOf(*journal));
      if (o.check_drained) {
        CheckDrainedNow(**ctx, *journal, comparison->matches(), ColorWanted(global));
      }
    } else {
      why_offline = absl::StrCat("servers not asked: ", ctx.status().message());
    }
  }
  const bool mismatch = comparison != nullptr && !comparison->matches();
  const bool color = ColorWanted(global);
  if (global.output == "json") {
    PrintStatusJson(*journal, view.get(), comparison.get());
  } else {
    std::string headline = view != nullptr ? view->Headline() : why_offline;
    if (!headline.empty()) {
      const bool bad = view == nullptr || view->split() || view->services_lag();
      std::vector<std::string> lines;  // the headline, then a line per server whose services lag
      for (absl::string_view l : absl::StrSplit(headline, '\n')) lines.push_back(EscapeControls(l));
      PrintOut(Paint(absl::StrJoin(lines, "\n"), bad ? Color::kRed : Color::kGreen, color) + "\n");
    }
    if (mismatch) {
      PrintOut(
          Paint(EscapeControls(MismatchLine(*journal, *comparison, global)), Color::kRed, color) +
          "\n");
    }
    PrintRolloutResult(OutputFormat::kTable, color, *journal);
  }
  if (mismatch) return kExitFailed;
  if (view != nullptr && (view->split() || view->services_lag())) return kExitFailed;
  return journal->phase == RolloutPhase::kDone ? kExitOk : kExitFailed;
}

}  // namespace

void AddRolloutStatus(CLI::App& rollout, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<StatusOptions>();
  CLI::App* status = rollout.add_subcommand(
      "status", "where a rollout stands: its journal and what its servers say now");
  status->add_option("id", o->id, "rollout id (default: the newest)");
  status->add_flag("--offline", o->offline, "from the journal alone; ask no server");
  status->add_flag("--check-drained", o->check_drained,
                   "ask every server again which processes still use the old addresses, and "
                   "record it in the journal (a finished rollout)");
  OnChosen(status, action, [&global, o] { return RunRolloutStatus(global, *o); });
}

}  // namespace osfleet::ctl

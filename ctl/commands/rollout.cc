// rollout plan | apply | status | resume | rollback: the whole procedure.
#include <atomic>
#include <cstdio>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/atomic_file.h"
#include "common/platform/interrupt.h"
#include "common/platform/terminal.h"
#include "ctl/commands/commands.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"
#include "ctl/ops/rollout/engine.h"

namespace osfleet::ctl {
namespace {

std::atomic<bool> g_interrupted{false};

// Ctrl-C stops at the next safe point; a second Ctrl-C kills at once.
void CatchInterrupt() { platform::SetFlagOnInterrupt(&g_interrupted); }

class ProgressPrinter {
 public:
  explicit ProgressPrinter(OutputFormat format, bool color)
      : format_(format), color_(color), start_(absl::Now()) {}
  void operator()(const RolloutEvent& e) {
    absl::MutexLock lock(&mu_);
    const double t = absl::ToDoubleSeconds(absl::Now() - start_);
    if (format_ == OutputFormat::kJsonl) {
      PrintOut(
          nlohmann::json(
              {{"t", t}, {"kind", e.kind}, {"server", e.server}, {"text", e.text}, {"ok", !e.bad}})
              .dump() +
          "\n");
    } else if (format_ == OutputFormat::kTable) {
      const Color c = e.bad ? Color::kRed : e.kind == "drift" ? Color::kYellow : Color::kNone;
      PrintOut(
          absl::StrFormat("%6.1fs  %-9s %-8s %s\n", t, e.kind, e.server, Paint(e.text, c, color_)));
    }
  }

 private:
  OutputFormat format_;
  bool color_;
  absl::Time start_;
  absl::Mutex mu_;
};

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

std::string Summary(Journal& j, bool color) {
  Table table({"SERVER", "ROLE", "BATCH", "PLATFORM (BEFORE)", "RESTART", "STATE", "NOTE"});
  for (const HostRecord& h : j.hosts) {
    auto it = h.old_addresses.find("platform");
    table.AddRow({h.name, h.role, std::to_string(h.batch + 1),
                  it == h.old_addresses.end() ? "" : it->second,
                  h.restart_seconds > 0 ? absl::StrFormat("%.1fs", h.restart_seconds) : "",
                  Cell(HostStateName(h.state), StateColor(h.state)), h.error});
  }
  std::string out =
      absl::StrCat("\nrollout ", j.id, ": ", RolloutPhaseName(j.phase), "\n", table.Render(color));
  if (!j.service_center.empty()) absl::StrAppend(&out, "service center: ", j.service_center, "\n");
  if (!j.note.empty()) absl::StrAppend(&out, Paint(j.note, Color::kYellow, color), "\n");
  if (j.updated == absl::InfinitePast()) {  // a plan: never saved
    absl::StrAppend(&out, "plan only: nothing was changed; `osctl rollout apply` with the same "
                          "flags applies it\n");
  } else {
    absl::StrAppend(
        &out, "elapsed ",
        absl::FormatDuration(absl::Trunc(j.updated - j.created, absl::Milliseconds(100))),
        "; journal ", j.path, "\n");
  }
  return out;
}

void PrintResult(const FleetContext* ctx, OutputFormat format, bool color, Journal& j) {
  if (format == OutputFormat::kTable) {
    PrintOut(Summary(j, color));
    return;
  }
  absl::StatusOr<std::string> text = ReadFileCapped(j.path, 16 << 20);
  nlohmann::json doc = nlohmann::json::parse(text.ok() ? *text : "{}", nullptr, false);
  if (format == OutputFormat::kJsonl) doc = {{"kind", "summary"}, {"journal", doc}};
  PrintJson(doc, format);
}

nlohmann::json PlanJson(const Journal& j) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const HostRecord& h : j.hosts) {
    hosts.push_back({{"name", h.name}, {"role", h.role}, {"batch", h.batch + 1},
                     {"revision", h.old_revision}, {"addresses", h.old_addresses},
                     {"state", HostStateName(h.state)}});
  }
  return {{"command", "rollout plan"},
          {"batches", j.batches},
          {"platform", j.options.platform},
          {"log", j.options.log},
          {"session", j.options.session},
          {"hosts", hosts}};
}

int ExitFor(const absl::Status& s) {
  if (s.ok()) return kExitOk;
  if (absl::IsInvalidArgument(s)) return kExitUsage;
  return absl::StartsWith(s.message(), "refused:") ? kExitRefused : kExitFailed;
}

bool AskToProceed(const Rollout& rollout) {
  if (!platform::StdinIsTerminal()) return false;
  std::fprintf(stderr, "Apply this rollout to %zu server(s)? Type 'yes' to go on: ",
               const_cast<Rollout&>(rollout).journal().hosts.size());
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

absl::StatusOr<std::unique_ptr<FleetContext>> OpenFleet(GlobalOptions options,
                                                        const std::string& inventory) {
  if (!options.limit.empty()) {
    return absl::InvalidArgumentError(
        "--limit: a rollout covers every application server of the inventory");
  }
  if (options.inventory.empty()) options.inventory = inventory;
  return FleetContext::Open(options);
}

}  // namespace

int RunRolloutPrepared(const GlobalOptions& options, const RolloutOptions& ro, bool apply,
                       bool yes) {
  if (ro.platform.empty() && ro.log.empty() && ro.session.empty()) {
    return ReportError(
        absl::InvalidArgumentError("give at least one new address: --platform, --log, --session"));
  }
  if (ro.on_failure != "rollback" && ro.on_failure != "keep") {
    return ReportError(absl::InvalidArgumentError("--on-failure: rollback or keep"));
  }
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = OpenFleet(options, "");
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  Journal journal = NewJournal();
  journal.inventory = InventoryPath(options.inventory);
  journal.options = ro;
  ProgressPrinter printer(c.format(), c.color());
  Rollout rollout(c, std::move(journal), std::ref(printer), &g_interrupted);
  absl::Status prepared = rollout.Prepare();
  if (!prepared.ok()) {
    std::fprintf(stderr, "osctl: %s\n", std::string(prepared.message()).c_str());
    return ExitFor(prepared);
  }
  if (!apply) {
    rollout.journal().updated = absl::InfinitePast();  // never saved
    if (c.format() == OutputFormat::kTable) {
      PrintOut(Summary(rollout.journal(), c.color()));
    } else {
      PrintJson(PlanJson(rollout.journal()), c.format());
    }
    return kExitOk;
  }
  if (absl::Status s = SaveJournal(rollout.journal()); !s.ok()) return ReportError(s);
  if (!yes && !AskToProceed(rollout)) {
    std::fprintf(stderr,
                 "osctl: not applied (confirm at the prompt, or pass --yes); plan kept in %s\n",
                 rollout.journal().path.c_str());
    return kExitUsage;
  }
  CatchInterrupt();
  absl::Status done = rollout.Execute();
  PrintResult(&c, c.format(), c.color(), rollout.journal());
  if (!done.ok()) std::fprintf(stderr, "osctl: %s\n", std::string(done.message()).c_str());
  return ExitFor(done);
}

int RunRolloutFromJournal(const GlobalOptions& options, const std::string& id,
                          const std::string& action) {
  absl::StatusOr<Journal> journal = LoadJournal(id);
  if (!journal.ok()) return ReportError(journal.status());
  if (action == "status") {
    PrintResult(nullptr, options.output == "json" ? OutputFormat::kJson : OutputFormat::kTable,
                !options.no_color && StdoutWantsColor(), *journal);
    return journal->phase == RolloutPhase::kDone ? kExitOk : kExitFailed;
  }
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = OpenFleet(options, journal->inventory);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  if (action == "resume" &&
      (journal->phase == RolloutPhase::kDone || journal->phase == RolloutPhase::kRolledBack)) {
    return ReportError(absl::FailedPreconditionError(absl::StrCat(
        "rollout ", journal->id, " is ", RolloutPhaseName(journal->phase), "; nothing to resume")));
  }
  ProgressPrinter printer(c.format(), c.color());
  Rollout rollout(c, *std::move(journal), std::ref(printer), &g_interrupted);
  CatchInterrupt();
  absl::Status done = rollout.CheckHostsKnown();
  if (done.ok()) {
    if (action == "resume") {
      done = rollout.Execute();
    } else {
      done = rollout.RollBack();
      if (done.ok()) {
        rollout.journal().phase = RolloutPhase::kRolledBack;
        rollout.journal().note = "rolled back by `osctl rollout rollback`";
        done = SaveJournal(rollout.journal());
      }
    }
  }
  PrintResult(&c, c.format(), c.color(), rollout.journal());
  if (!done.ok()) std::fprintf(stderr, "osctl: %s\n", std::string(done.message()).c_str());
  return ExitFor(done);
}

}  // namespace osfleet::ctl

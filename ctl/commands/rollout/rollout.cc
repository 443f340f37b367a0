#include "ctl/commands/rollout/rollout.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/platform/interrupt.h"
#include "common/platform/live_terminal.h"
#include "ctl/commands/ask.h"
#include "ctl/commands/rollout/interrupt_prompt.h"
#include "ctl/fleet/identity_check.h"
#include "ctl/output/moves.h"
#include "ctl/output/report.h"

namespace osfleet::ctl {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_requests{0};

// Lives for the whole process (the stop-request handler counts into g_requests).
InterruptPrompt& Prompt() {
  static InterruptPrompt* prompt = new InterruptPrompt(&g_interrupted, &g_requests, &StdConsole());
  return *prompt;
}

// The servers a go-ahead changes: every one not yet confirmed on the new address.
size_t ServersToMove(const Journal& journal) {
  size_t n = 0;
  for (const HostRecord& h : journal.hosts) n += h.state != HostState::kConfirmed;
  return n;
}

// The servers a rollback changes: every one this rollout changed or may have changed.
size_t ServersToRollBack(const Journal& journal) {
  size_t n = 0;
  for (const HostRecord& h : journal.hosts) {
    n += h.state == HostState::kApplying || h.state == HostState::kPending ||
         (h.state == HostState::kConfirmed && !h.backup_id.empty());
  }
  return n;
}

}  // namespace

void RegisterRollout(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* rollout = app.add_subcommand("rollout", "the whole procedure, in batches");
  rollout->require_subcommand(1);
  for (const char* verb : {"plan", "apply"}) AddRolloutPrepared(*rollout, global, action, verb);
  AddRolloutStatus(*rollout, global, action);
  for (const char* verb : {"resume", "rollback"}) {
    AddRolloutFromJournal(*rollout, global, action, verb);
  }
}

absl::StatusOr<std::unique_ptr<FleetContext>> OpenRolloutFleet(const GlobalOptions& options) {
  if (!options.limit.empty()) {
    return absl::InvalidArgumentError(
        "--limit: a rollout covers every application server of the inventory");
  }
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ctx;
  if (absl::Status s = CheckFleetIdentities(**ctx); !s.ok()) return s;
  return ctx;
}

const std::atomic<bool>* InterruptFlag() { return &g_interrupted; }

void AskOnInterrupt(Rollout& rollout) {
  rollout.set_before_step([] { Prompt().WaitWhileAsking(); });
  Prompt().Start();
}

void StopAsking() { Prompt().Stop(); }

void CatchInterrupt(bool rolling_back) {
  const std::string first =
      rolling_back
          ? "\nosctl: Ctrl-C: the rollback goes on until every server this rollout changed is "
            "back on the old address (stopping half-way would leave the fleet split).\n"
          : "\nosctl: Ctrl-C: stopping. The step in progress finishes first (nothing is cut off "
            "half-way); then every server this rollout changed is rolled back to the old "
            "address. Press Ctrl-C again to see why it waits.\n";
  const std::string second =
      "\nosctl: still waiting for the step in progress. Leaving now abandons servers in the "
      "middle of their change: their agents put them back by themselves once their lease "
      "(--lease) ends, but no summary is printed and `osctl rollout status` is the only way "
      "to see the result. Press Ctrl-C once more to leave anyway.\n";
  platform::SetFlagOnInterrupt(&g_interrupted, {first, second});
}

namespace {

// Why a rollout's change or rollback was not made after its question.
const char* NotAskedWhy(bool can_ask) {
  return can_ask ? "not confirmed at the prompt" : "no terminal to ask on; pass --yes";
}

}  // namespace

bool ProceedWithRollout(const Journal& journal, bool yes, const std::string& done_word) {
  if (yes) return true;
  const std::vector<DatabaseMove> moves = MovesOf(journal);
  const bool can_ask = CanAsk();
  if (can_ask && AskYesNo(MoveQuestion(ServersToMove(journal), moves))) return true;
  PrintErr(absl::StrCat("osctl: not ", done_word, " (", NotAskedWhy(can_ask), "): rollout ",
                        journal.id, " would move ", MovesText(moves), "\n"));
  return false;
}

bool ProceedWithRollback(const Journal& journal, bool yes) {
  if (yes) return true;
  // Back: from the new address to the old ones.
  std::vector<DatabaseMove> back = MovesOf(journal);
  for (DatabaseMove& m : back) {
    std::string old = absl::StrJoin(m.from, " | ");
    m.from = {m.to};
    m.to = std::move(old);
  }
  const std::string question =
      absl::StrCat("Roll back ", ServersToRollBack(journal), " servers of rollout ", journal.id,
                   ": ", MovesText(back), "? [y/N] ");
  const bool can_ask = CanAsk();
  if (can_ask && AskYesNo(question)) return true;
  PrintErr(absl::StrCat("osctl: not rolled back (", NotAskedWhy(can_ask), "): rollout ", journal.id,
                        " would move ", MovesText(back), "\n"));
  return false;
}

bool WantStatusLine(const FleetContext& ctx) {
  return ctx.format() == OutputFormat::kTable && platform::StderrIsTerminal();
}

RolloutSink PrintSteps(EventPrinter& printer) {
  return [&printer](const RolloutEvent& e) {
    Prompt().Observe(e);
    printer.Step(e.kind, e.server, e.text, e.bad, e.position,
                 e.progress.has_value() ? &*e.progress : nullptr);
  };
}

}  // namespace osfleet::ctl

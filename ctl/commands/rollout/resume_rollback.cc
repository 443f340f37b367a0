// rollout resume | rollback [ID]: continue a rollout from its journal, or revert every
// change it made (also after the workstation crashed or osctl was interrupted). The
// journal is a record, not authority: the servers, their addresses and the CA are the
// operator's inventory's (as for every command), and a journal that does not match them is
// refused before any server is asked or any credential read. resume then says the target
// and what is done and left, runs the preflight again and asks (unless --yes), as apply
// does; rollback says what it brings back and asks too.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "ctl/commands/ask.h"
#include "ctl/commands/db_credentials.h"
#include "ctl/commands/rollout/rollout.h"
#include "ctl/ops/rollout/journal_fleet.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/moves.h"
#include "ctl/output/rollout_summary.h"

namespace osfleet::ctl {
namespace {

absl::Status RollBack(Rollout& rollout) {
  if (absl::Status s = rollout.RollBack(); !s.ok()) return s;
  rollout.journal().phase = RolloutPhase::kRolledBack;
  rollout.journal().note = "rolled back by `osctl rollout rollback`";
  return SaveJournal(rollout.journal());
}

struct FromJournalOptions {
  std::string id;  // empty: the newest
  bool resume = false;
  bool yes = false;
  DbCredentialFlags credentials;
  std::string wait_drained;  // --wait-drained DUR (resume)
};

// Before a resume changes anything: the preflight again, then the go-ahead.
int CheckResume(Rollout& rollout, bool yes) {
  if (absl::Status s = rollout.Recheck(); !s.ok()) return ReportError(s);
  return ProceedWithRollout(rollout.journal(), yes, "resumed") ? kExitOk : kExitUsage;
}

// Before a rollback changes anything: what it brings back, then the go-ahead.
int CheckRollback(Rollout& rollout, EventPrinter& printer, bool yes) {
  const Journal& j = rollout.journal();
  printer.Step("rollback", "",
               absl::StrCat("rollout ", j.id, " (", RolloutPhaseName(j.phase), "): target ",
                            MovesText(MovesOf(j))),
               false);
  printer.Step("rollback", "", ProgressText(j), false);
  return ProceedWithRollback(j, yes) ? kExitOk : kExitUsage;
}

int RunRolloutFromJournal(const GlobalOptions& global, const FromJournalOptions& o) {
  absl::StatusOr<DrainOptions> drain = ParseDrainWait(o.wait_drained);
  if (!drain.ok()) return ReportError(drain.status());
  absl::StatusOr<Journal> journal = LoadJournal(o.id);
  if (!journal.ok()) return ReportError(journal.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = OpenRolloutFleet(global);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  if (absl::Status s = CheckJournalMatchesFleet(*journal, c, InventoryPath(global.inventory));
      !s.ok()) {
    return ReportError(s);
  }
  if (o.resume && journal->phase == RolloutPhase::kDone) {
    return ReportError(absl::FailedPreconditionError(absl::StrCat(
        "rollout ", journal->id, " is ", RolloutPhaseName(journal->phase), "; nothing to resume")));
  }
  // Read only once the journal is known to be this fleet's: a password is never asked for,
  // or sent, on a journal's word.
  absl::StatusOr<DbCredentials> credentials = ResolveDbCredentials(o.credentials);
  if (!credentials.ok()) return ReportError(credentials.status());
  absl::StatusOr<absl::Duration> heartbeat = HeartbeatInterval(global);
  if (!heartbeat.ok()) return ReportError(heartbeat.status());
  EventPrinter printer(c.format(), c.color());
  Rollout rollout(c, *std::move(journal), PrintSteps(printer), InterruptFlag());
  rollout.set_heartbeat(*heartbeat);
  rollout.set_tool_credentials(*std::move(credentials));
  rollout.set_drain(*std::move(drain));
  if (absl::Status known = rollout.CheckHostsKnown(); !known.ok()) return ReportError(known);
  const int go = o.resume ? CheckResume(rollout, o.yes) : CheckRollback(rollout, printer, o.yes);
  if (go != kExitOk) return go;
  if (o.resume && !o.yes && CanAsk()) {
    AskOnInterrupt(rollout);  // as apply: asked before a rollback
  } else {
    CatchInterrupt(/*rolling_back=*/!o.resume);
  }
  if (WantStatusLine(c)) printer.StartStatusLine();
  absl::Status done = o.resume ? rollout.Execute() : RollBack(rollout);
  StopAsking();
  printer.StopStatusLine();
  PrintRolloutResult(c.format(), c.color(), rollout.journal());
  return done.ok() ? kExitOk : ReportError(done);
}

}  // namespace

void AddRolloutFromJournal(CLI::App& rollout, const GlobalOptions& global, Action& action,
                           const std::string& verb) {
  auto o = std::make_shared<FromJournalOptions>();
  o->resume = verb == "resume";
  CLI::App* cmd = rollout.add_subcommand(
      verb, o->resume ? "continue a rollout from its journal: preflight again, ask, apply the rest"
                      : "roll back every change of a rollout, from its journal");
  cmd->add_option("id", o->id, "rollout id or journal file (default: the newest)");
  cmd->add_flag("-y,--yes", o->yes, "do not ask for confirmation");
  if (o->resume) AddWaitDrainedFlag(cmd, o->wait_drained);
  AddDbCredentialFlags(cmd, o->credentials);
  OnChosen(cmd, action, [&global, o] { return RunRolloutFromJournal(global, *o); });
}

}  // namespace osfleet::ctl

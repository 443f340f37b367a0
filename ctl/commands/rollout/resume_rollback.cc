// rollout resume | rollback [ID]: continue a rollout from its journal, or revert every
// change it made (also after the workstation crashed or osctl was interrupted). resume
// first says the target and what is done and left, runs the preflight again and asks
// (unless --yes), as apply does.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "ctl/commands/db_credentials.h"
#include "ctl/commands/rollout/rollout.h"
#include "ctl/output/exit_code.h"
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
  bool yes = false;  // resume only
  DbCredentialFlags credentials;
};

// Before a resume changes anything: the preflight again, then the go-ahead.
int CheckResume(Rollout& rollout, bool yes) {
  if (absl::Status s = rollout.Recheck(); !s.ok()) return ReportError(s);
  return ProceedWithRollout(rollout.journal(), yes, "resumed") ? kExitOk : kExitUsage;
}

int RunRolloutFromJournal(const GlobalOptions& global, const FromJournalOptions& o) {
  absl::StatusOr<DbCredentials> credentials = ResolveDbCredentials(o.credentials);
  if (!credentials.ok()) return ReportError(credentials.status());
  absl::StatusOr<Journal> journal = LoadJournal(o.id);
  if (!journal.ok()) return ReportError(journal.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = OpenRolloutFleet(global, journal->inventory);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  if (o.resume && journal->phase == RolloutPhase::kDone) {
    return ReportError(absl::FailedPreconditionError(absl::StrCat(
        "rollout ", journal->id, " is ", RolloutPhaseName(journal->phase), "; nothing to resume")));
  }
  EventPrinter printer(c.format(), c.color());
  Rollout rollout(c, *std::move(journal), PrintSteps(printer), InterruptFlag());
  rollout.set_tool_credentials(*std::move(credentials));
  if (absl::Status known = rollout.CheckHostsKnown(); !known.ok()) return ReportError(known);
  if (o.resume) {
    if (const int code = CheckResume(rollout, o.yes); code != kExitOk) return code;
  }
  CatchInterrupt(/*rolling_back=*/!o.resume);
  absl::Status done = o.resume ? rollout.Execute() : RollBack(rollout);
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
  cmd->add_option("id", o->id, "rollout id (default: the newest)");
  if (o->resume) cmd->add_flag("-y,--yes", o->yes, "do not ask for confirmation");
  AddDbCredentialFlags(cmd, o->credentials);
  OnChosen(cmd, action, [&global, o] { return RunRolloutFromJournal(global, *o); });
}

}  // namespace osfleet::ctl

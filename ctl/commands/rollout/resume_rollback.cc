// rollout resume | rollback [ID]: continue a rollout from its journal, or revert every
// change it made (also after the workstation crashed or osctl was interrupted).
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

int RunRolloutFromJournal(const GlobalOptions& global, const std::string& id, bool resume,
                          const DbCredentialFlags& credential_flags) {
  absl::StatusOr<DbCredentials> credentials = ResolveDbCredentials(credential_flags);
  if (!credentials.ok()) return ReportError(credentials.status());
  absl::StatusOr<Journal> journal = LoadJournal(id);
  if (!journal.ok()) return ReportError(journal.status());
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = OpenRolloutFleet(global, journal->inventory);
  if (!ctx.ok()) return ReportError(ctx.status());
  const FleetContext& c = **ctx;
  if (resume && journal->phase == RolloutPhase::kDone) {
    return ReportError(absl::FailedPreconditionError(absl::StrCat(
        "rollout ", journal->id, " is ", RolloutPhaseName(journal->phase), "; nothing to resume")));
  }
  EventPrinter printer(c.format(), c.color());
  Rollout rollout(c, *std::move(journal), PrintSteps(printer), InterruptFlag());
  rollout.set_tool_credentials(*std::move(credentials));
  CatchInterrupt(/*rolling_back=*/!resume);
  absl::Status done = rollout.CheckHostsKnown();
  if (done.ok()) done = resume ? rollout.Execute() : RollBack(rollout);
  PrintRolloutResult(c.format(), c.color(), rollout.journal());
  return done.ok() ? kExitOk : ReportError(done);
}

}  // namespace

void AddRolloutFromJournal(CLI::App& rollout, const GlobalOptions& global, Action& action,
                           const std::string& verb) {
  auto id = std::make_shared<std::string>();
  auto credentials = std::make_shared<DbCredentialFlags>();
  CLI::App* cmd = rollout.add_subcommand(verb, verb + " a rollout from its journal");
  cmd->add_option("id", *id, "rollout id (default: the newest)");
  AddDbCredentialFlags(cmd, *credentials);
  const bool resume = verb == "resume";
  OnChosen(cmd, action, [&global, id, resume, credentials] {
    return RunRolloutFromJournal(global, *id, resume, *credentials);
  });
}

}  // namespace osfleet::ctl

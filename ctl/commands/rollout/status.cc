// rollout status [ID]: where a rollout stands, from its journal alone (no agent is asked).
#include "ctl/commands/rollout/rollout.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/rollout_summary.h"

namespace osfleet::ctl {
namespace {

int RunRolloutStatus(const GlobalOptions& global, const std::string& id) {
  absl::StatusOr<Journal> journal = LoadJournal(id);
  if (!journal.ok()) return ReportError(journal.status());
  PrintRolloutResult(global.output == "json" ? OutputFormat::kJson : OutputFormat::kTable,
                     ColorWanted(global), *journal);
  return journal->phase == RolloutPhase::kDone ? kExitOk : kExitFailed;
}

}  // namespace

void AddRolloutStatus(CLI::App& rollout, const GlobalOptions& global, Action& action) {
  auto id = std::make_shared<std::string>();
  CLI::App* status = rollout.add_subcommand("status", "status a rollout from its journal");
  status->add_option("id", *id, "rollout id (default: the newest)");
  OnChosen(status, action, [&global, id] { return RunRolloutStatus(global, *id); });
}

}  // namespace osfleet::ctl

// rollout: the whole procedure, in batches (ctl/ops/rollout is the engine).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "ctl/commands/command.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/event_printer.h"

namespace osfleet::ctl {

void RegisterRollout(CLI::App& app, const GlobalOptions& global, Action& action);

// rollout plan | apply (plan_apply.cc); verb: "plan" or "apply".
void AddRolloutPrepared(CLI::App& rollout, const GlobalOptions& global, Action& action,
                        const std::string& verb);
// rollout status [ID] (status.cc)
void AddRolloutStatus(CLI::App& rollout, const GlobalOptions& global, Action& action);
// rollout resume | rollback [ID] (resume_rollback.cc); verb: "resume" or "rollback".
void AddRolloutFromJournal(CLI::App& rollout, const GlobalOptions& global, Action& action,
                           const std::string& verb);

// The fleet a rollout runs on: every server of `inventory` (when --inventory is not given);
// --limit is refused, since a rollout covers every application server. Every server's agent
// must be what the inventory says (ctl/fleet/identity_check.h): INVALID_ARGUMENT otherwise.
absl::StatusOr<std::unique_ptr<FleetContext>> OpenRolloutFleet(GlobalOptions options,
                                                               const std::string& inventory);

// The flag Ctrl-C sets: the rollout stops at its next safe point.
const std::atomic<bool>* InterruptFlag();
// From now on Ctrl-C sets InterruptFlag(); a second Ctrl-C kills at once.
void CatchInterrupt();

// The rollout's events, printed as they happen.
RolloutSink PrintSteps(EventPrinter& printer);

}  // namespace osfleet::ctl

// rollout: the whole procedure, in batches (ctl/ops/rollout is the engine).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "ctl/commands/command.h"
#include "ctl/commands/heartbeats.h"
#include "ctl/ops/rollout/engine.h"
#include "ctl/output/event_printer.h"

namespace osfleet::ctl {

void RegisterRollout(CLI::App& app, const GlobalOptions& global, Action& action);

// rollout plan | apply (plan_apply.cc); verb: "plan" or "apply".
void AddRolloutPrepared(CLI::App& rollout, const GlobalOptions& global, Action& action,
                        const std::string& verb);
// --wait-drained DUR (plan_apply.cc): how long apply and resume wait at the end for the
// old addresses to be unused (ctl/ops/rollout/drain.h).
void AddWaitDrainedFlag(CLI::App* cmd, std::string& wait);
// rollout status [ID] (status.cc)
void AddRolloutStatus(CLI::App& rollout, const GlobalOptions& global, Action& action);
// rollout resume | rollback [ID] (resume_rollback.cc); verb: "resume" or "rollback".
void AddRolloutFromJournal(CLI::App& rollout, const GlobalOptions& global, Action& action,
                           const std::string& verb);

// The fleet a rollout runs on: every server of the operator's inventory (--inventory,
// $OSFLEET_INVENTORY or the default, as for every command: never one a journal names);
// --limit is refused, since a rollout covers every application server. Every server's agent
// must be what the inventory says (ctl/fleet/identity_check.h): INVALID_ARGUMENT otherwise.
absl::StatusOr<std::unique_ptr<FleetContext>> OpenRolloutFleet(const GlobalOptions& options);

// The flag Ctrl-C sets: the rollout stops at its next safe point.
const std::atomic<bool>* InterruptFlag();
// From now on Ctrl-C sets InterruptFlag() and says at once what osctl does next (applying:
// finish the step in progress, then roll back; rolling back: finish the rollback); a
// second Ctrl-C explains why it waits; only a third ends osctl at once (the agents' leases
// still put every server back).
void CatchInterrupt(bool rolling_back = false);
// Instead of CatchInterrupt, for a rollout going forward with a person at the terminal
// (stdin a terminal, no --yes): Ctrl-C asks before it sets off a rollback
// (interrupt_prompt.h); `rollout` starts no new step while the question is open.
void AskOnInterrupt(Rollout& rollout);
// After the rollout: Ctrl-C no longer asks (it is counted and ignored until osctl ends).
void StopAsking();

// Whether to change the servers of `journal`: true with --yes (`yes`) or when the operator
// answers y at "Move N servers: Platform OLD → NEW, ...? [y/N]". Otherwise false, after
// saying on stderr that the rollout was not `done_word` ("applied", "resumed") and why
// (declined, or no terminal to ask on: pass --yes), with the same question's moves.
bool ProceedWithRollout(const Journal& journal, bool yes, const std::string& done_word);

// Whether to roll back the changes of `journal`: as ProceedWithRollout, asking "Roll back
// N servers of rollout ID: Platform NEW → OLD? [y/N]" (N: the servers it changed).
bool ProceedWithRollback(const Journal& journal, bool yes);

// The rollout's events, printed as they happen.
RolloutSink PrintSteps(EventPrinter& printer);

// Whether to draw the status line: a table (not -o json|jsonl) on a terminal's stderr.
// NO_COLOR and --no-color leave it on: it is about the terminal, not colours.
bool WantStatusLine(const FleetContext& ctx);

}  // namespace osfleet::ctl

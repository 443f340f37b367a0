#include "ctl/commands/rollout/rollout.h"

#include "common/platform/interrupt.h"
#include "ctl/fleet/identity_check.h"

namespace osfleet::ctl {
namespace {

std::atomic<bool> g_interrupted{false};

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

absl::StatusOr<std::unique_ptr<FleetContext>> OpenRolloutFleet(GlobalOptions options,
                                                               const std::string& inventory) {
  if (!options.limit.empty()) {
    return absl::InvalidArgumentError(
        "--limit: a rollout covers every application server of the inventory");
  }
  if (options.inventory.empty()) options.inventory = inventory;
  absl::StatusOr<std::unique_ptr<FleetContext>> ctx = FleetContext::Open(options);
  if (!ctx.ok()) return ctx;
  if (absl::Status s = CheckFleetIdentities(**ctx); !s.ok()) return s;
  return ctx;
}

const std::atomic<bool>* InterruptFlag() { return &g_interrupted; }

void CatchInterrupt() { platform::SetFlagOnInterrupt(&g_interrupted); }

RolloutSink PrintSteps(EventPrinter& printer) {
  return [&printer](const RolloutEvent& e) { printer.Step(e.kind, e.server, e.text, e.bad); };
}

}  // namespace osfleet::ctl

#include "ctl/commands/rollout/rollout.h"

#include "common/platform/interrupt.h"

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
  return FleetContext::Open(options);
}

const std::atomic<bool>* InterruptFlag() { return &g_interrupted; }

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

RolloutSink PrintSteps(EventPrinter& printer) {
  return [&printer](const RolloutEvent& e) { printer.Step(e.kind, e.server, e.text, e.bad); };
}

}  // namespace osfleet::ctl

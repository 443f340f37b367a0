#include "ctl/commands/sc/sc.h"

namespace osfleet::ctl {

void RegisterServiceCenter(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* sc = app.add_subcommand("sc", "the Service Center phase");
  sc->require_subcommand(1);
  AddScRun(*sc, global, action);
}

}  // namespace osfleet::ctl

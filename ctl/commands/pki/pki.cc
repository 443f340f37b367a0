#include "ctl/commands/pki/pki.h"

namespace osfleet::ctl {

void RegisterPki(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* pki = app.add_subcommand("pki", "the fleet CA, agent and operator certificates");
  pki->require_subcommand(1);
  AddPkiInit(*pki, global, action);
  AddPkiIssue(*pki, global, action);
  AddPkiShow(*pki, global, action);
}

}  // namespace osfleet::ctl

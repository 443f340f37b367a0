// pki init: create the fleet CA, DIR/ca.key and DIR/ca.pem.
#include "ctl/commands/pki/pki.h"
#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {

void AddPkiInit(CLI::App& pki, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<pki::InitOptions>();
  CLI::App* init = pki.add_subcommand("init", "create the fleet CA: DIR/ca.key and DIR/ca.pem");
  TakesDir(init->add_option("--dir", o->dir, "folder for the CA (created with mode 0700)"))
      ->required();
  init->add_option("--name", o->name, "the CA's common name")->capture_default_str();
  init->add_option("--days", o->days, "validity")->capture_default_str();
  init->add_flag("--force", o->force,
                 "replace an existing CA (nothing it signed is trusted any more)");
  OnChosen(init, action, [&global, o] {
    return WriteAndPrint(global, "pki init", [&o] { return pki::InitCa(*o); });
  });
}

}  // namespace osfleet::ctl

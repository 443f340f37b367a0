// pki crl: what is revoked (DIR/revoked.json) and what DIR/crl.pem says; --renew signs a
// new CRL (next crlNumber, new nextUpdate) before it runs out, or an empty one to start.
#include "ctl/commands/pki/pki.h"
#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {

void AddPkiCrl(CLI::App& pki, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<pki::CrlOptions>();
  CLI::App* crl = pki.add_subcommand("crl", "show what is revoked; --renew signs a new CRL");
  TakesDir(crl->add_option("--dir", o->dir, "the folder of `pki init`"))->required();
  crl->add_flag("--renew", o->renew, "sign a new DIR/crl.pem (next number, new nextUpdate)");
  crl->add_option("--days", o->days, "with --renew: the CRL's validity")->capture_default_str();
  OnChosen(crl, action, [&global, o] {
    return PrintCrl(global, "pki crl", [&o] { return pki::ReadOrRenewCrl(*o); });
  });
}

}  // namespace osfleet::ctl

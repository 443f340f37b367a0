// pki revoke NAME | --serial HEX | --cert FILE: record the revocation and sign a new
// DIR/crl.pem for the agents' tls.crl.
#include "ctl/commands/pki/pki.h"
#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {

void AddPkiRevoke(CLI::App& pki, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<pki::RevokeOptions>();
  CLI::App* revoke = pki.add_subcommand(
      "revoke", "revoke a certificate: add it to DIR/revoked.json and sign a new DIR/crl.pem");
  revoke->add_option("name", o->name, "the holder whose DIR/NAME.pem is revoked");
  revoke->add_option("--serial", o->serial, "or: a serial number (hex, colons allowed)");
  TakesFile(revoke->add_option("--cert", o->cert_file, "or: a certificate file signed by the CA"));
  TakesDir(revoke->add_option("--dir", o->dir, "the folder of `pki init`"))->required();
  revoke->add_option("--days", o->days, "the CRL's validity (nextUpdate)")->capture_default_str();
  OnChosen(revoke, action, [&global, o] {
    return PrintCrl(global, "pki revoke", [&o] { return pki::RevokeCertificate(*o); });
  });
}

}  // namespace osfleet::ctl

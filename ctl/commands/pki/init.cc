// pki init: create the fleet CA, DIR/ca.key and DIR/ca.pem.
#include "ctl/commands/pki/pki.h"
#include "ctl/output/certificate_report.h"
#include "ctl/output/exit_code.h"
#include "ctl/pki/pki.h"

namespace osfleet::ctl {
namespace {

int RunPkiInit(const GlobalOptions& global, const pki::InitOptions& init) {
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(global.output);
  if (!format.ok()) return ReportError(format.status());
  absl::StatusOr<pki::PkiResult> result = pki::InitCa(init);
  if (!result.ok()) return ReportError(result.status());
  PrintPkiResult(*format, ColorWanted(global), "pki init", *result);
  return kExitOk;
}

}  // namespace

void AddPkiInit(CLI::App& pki, const GlobalOptions& global, Action& action) {
  auto o = std::make_shared<pki::InitOptions>();
  CLI::App* init = pki.add_subcommand("init", "create the fleet CA: DIR/ca.key and DIR/ca.pem");
  init->add_option("--dir", o->dir, "folder for the CA (created with mode 0700)")->required();
  init->add_option("--name", o->name, "the CA's common name")->capture_default_str();
  init->add_option("--days", o->days, "validity")->capture_default_str();
  init->add_flag("--force", o->force,
                 "replace an existing CA (nothing it signed is trusted any more)");
  OnChosen(init, action, [&global, o] { return RunPkiInit(global, *o); });
}

}  // namespace osfleet::ctl

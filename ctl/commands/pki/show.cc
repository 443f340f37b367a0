// pki show FILE: subject, role, names, validity and fingerprint of a certificate.
#include "ctl/commands/pki/pki.h"
#include "ctl/completion/command_tree.h"
#include "ctl/output/certificate_report.h"
#include "ctl/output/exit_code.h"
#include "ctl/pki/pki.h"

namespace osfleet::ctl {
namespace {

int RunPkiShow(const GlobalOptions& global, const std::string& file) {
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(global.output);
  if (!format.ok()) return ReportError(format.status());
  absl::StatusOr<pki::CertificateInfo> info = pki::ReadCertificateInfo(file);
  if (!info.ok()) return ReportError(info.status());
  PrintCertificateFile(*format, ColorWanted(global), file, *info);
  return kExitOk;
}

}  // namespace

void AddPkiShow(CLI::App& pki, const GlobalOptions& global, Action& action) {
  auto file = std::make_shared<std::string>();
  CLI::App* show = pki.add_subcommand("show", "subject, role, names, validity, fingerprint");
  TakesFile(show->add_option("file", *file, "a certificate (PEM)"))->required();
  OnChosen(show, action, [&global, file] { return RunPkiShow(global, *file); });
}

}  // namespace osfleet::ctl

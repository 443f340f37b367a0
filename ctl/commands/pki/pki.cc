#include "ctl/commands/pki/pki.h"

#include "ctl/output/certificate_report.h"
#include "ctl/output/crl_report.h"
#include "ctl/output/exit_code.h"

namespace osfleet::ctl {

void RegisterPki(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* pki = app.add_subcommand("pki", "the fleet CA, agent and operator certificates");
  pki->require_subcommand(1);
  AddPkiInit(*pki, global, action);
  AddPkiIssue(*pki, global, action);
  AddPkiShow(*pki, global, action);
  AddPkiRevoke(*pki, global, action);
  AddPkiCrl(*pki, global, action);
}

int WriteAndPrint(const GlobalOptions& global, const std::string& command,
                  const std::function<absl::StatusOr<pki::PkiResult>()>& write) {
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(global.output);
  if (!format.ok()) return ReportError(format.status());
  absl::StatusOr<pki::PkiResult> result = write();
  if (!result.ok()) return ReportError(result.status());
  PrintPkiResult(*format, ColorWanted(global), command, *result);
  return kExitOk;
}

int PrintCrl(const GlobalOptions& global, const std::string& command,
             const std::function<absl::StatusOr<pki::CrlResult>()>& run) {
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(global.output);
  if (!format.ok()) return ReportError(format.status());
  absl::StatusOr<pki::CrlResult> result = run();
  if (!result.ok()) return ReportError(result.status());
  PrintCrlResult(*format, ColorWanted(global), command, *result);
  return kExitOk;
}

}  // namespace osfleet::ctl

// pki init | issue agent | issue operator | show: the fleet CA and its certificates
// (ctl/pki). No inventory and no agents are involved.
#include "ctl/pki/pki.h"
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ctl/commands/commands.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

absl::StatusOr<OutputFormat> ParseFormat(const std::string& output) {
  if (output == "table") return OutputFormat::kTable;
  if (output == "json") return OutputFormat::kJson;
  if (output == "jsonl") return OutputFormat::kJsonl;
  return absl::InvalidArgumentError(
      absl::StrCat("--output: '", output, "' is not one of table, json, jsonl"));
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string ModeText(mode_t mode) { return absl::StrFormat("%04o", mode); }

nlohmann::json CertificateJson(const pki::CertificateInfo& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"commonName", c.common_name},
          {"organizationalUnit", c.organizational_unit},
          {"role", pki::RoleOf(c)},
          {"subjectAltNames", c.subject_alt_names},
          {"extendedKeyUsage", c.extended_key_usage},
          {"ca", c.is_ca},
          {"serial", c.serial},
          {"notBefore", TimeText(c.not_before)},
          {"notAfter", TimeText(c.not_after)},
          {"expired", c.not_after <= absl::Now()},
          {"sha256", c.sha256}};
}

// "2026-01-02T03:04:05Z (in 396 days)" / "... (EXPIRED 3 days ago)".
std::string ExpiryText(absl::Time not_after, bool color) {
  const int64_t days = std::llround(absl::ToDoubleHours(not_after - absl::Now()) / 24);
  if (not_after <= absl::Now()) {
    return absl::StrCat(TimeText(not_after), " (",
                        Paint(absl::StrCat("EXPIRED ", -days, " days ago"), Color::kRed, color),
                        ")");
  }
  return absl::StrCat(TimeText(not_after), " (in ", days, " days)");
}

std::string CertificateLines(const pki::CertificateInfo& c, bool color) {
  const std::string role = pki::RoleOf(c);
  std::string out;
  auto add = [&out](const char* label, const std::string& value) {
    if (!value.empty()) absl::StrAppendFormat(&out, "%-11s %s\n", label, value);
  };
  add("subject", c.subject);
  add("issuer", c.issuer);
  add("role", c.is_ca ? "CA" : (role.empty() ? "none (OU is not osfleet:<role>)" : role));
  add("names", absl::StrJoin(c.subject_alt_names, ", "));
  add("usage", absl::StrJoin(c.extended_key_usage, ", "));
  add("serial", c.serial);
  add("not before", TimeText(c.not_before));
  add("not after", ExpiryText(c.not_after, color));
  add("sha256", c.sha256);
  return out;
}

int PrintResult(const GlobalOptions& options, const std::string& command,
                absl::StatusOr<pki::PkiResult> result) {
  absl::StatusOr<OutputFormat> format = ParseFormat(options.output);
  if (!format.ok()) return ReportError(format.status());
  if (!result.ok()) return ReportError(result.status());
  if (*format != OutputFormat::kTable) {
    nlohmann::json files = nlohmann::json::array();
    for (const pki::WrittenFile& f : result->files) {
      files.push_back({{"path", f.path}, {"mode", ModeText(f.mode)}, {"contents", f.contents}});
    }
    PrintJson({{"command", command},
               {"files", files},
               {"certificate", CertificateJson(result->certificate)}},
              *format);
    return kExitOk;
  }
  const bool color = !options.no_color && StdoutWantsColor();
  Table table({"FILE", "MODE", "CONTENTS"});
  for (const pki::WrittenFile& f : result->files) {
    table.AddRow({f.path, ModeText(f.mode), f.contents});
  }
  PrintOut(table.Render(color) + "\n" + CertificateLines(result->certificate, color));
  return kExitOk;
}

}  // namespace

int RunPkiInit(const GlobalOptions& options, const PkiOptions& args) {
  pki::InitOptions init;
  init.dir = args.dir;
  init.name = args.name;
  init.days = args.days;
  init.force = args.force;
  return PrintResult(options, "pki init", pki::InitCa(init));
}

int RunPkiIssue(const GlobalOptions& options, const PkiOptions& args, const std::string& holder) {
  pki::IssueOptions issue;
  issue.dir = args.dir;
  issue.holder = holder == "operator" ? pki::Holder::kOperator : pki::Holder::kAgent;
  issue.name = args.name;
  issue.sans = args.sans;
  issue.role = args.role;
  issue.days = args.days;
  issue.backdate_days = args.backdate_days;
  issue.force = args.force;
  return PrintResult(options, "pki issue " + holder, pki::IssueCertificate(issue));
}

int RunPkiShow(const GlobalOptions& options, const std::string& file) {
  absl::StatusOr<OutputFormat> format = ParseFormat(options.output);
  if (!format.ok()) return ReportError(format.status());
  absl::StatusOr<pki::CertificateInfo> info = pki::ReadCertificateInfo(file);
  if (!info.ok()) return ReportError(info.status());
  if (*format != OutputFormat::kTable) {
    nlohmann::json doc = CertificateJson(*info);
    doc["file"] = file;
    PrintJson(doc, *format);
  } else {
    const bool color = !options.no_color && StdoutWantsColor();
    PrintOut(absl::StrFormat("%-11s %s\n", "file", file) + CertificateLines(*info, color));
  }
  return kExitOk;
}

}  // namespace osfleet::ctl

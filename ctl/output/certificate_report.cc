#include "ctl/output/certificate_report.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/text/escape.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string ModeText(std::uint32_t mode) { return absl::StrFormat("%04o", mode); }

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

}  // namespace

nlohmann::json CertificateJson(const pki::CertificateInfo& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"commonName", c.common_name},
          {"organizationalUnit", c.organizational_unit},
          {"role", pki::RoleOf(c)},
          {"roleProblem", pki::RoleProblem(c)},
          {"subjectAltNames", c.subject_alt_names},
          {"extendedKeyUsage", c.extended_key_usage},
          {"ca", c.is_ca},
          {"serial", c.serial},
          {"notBefore", TimeText(c.not_before)},
          {"notAfter", TimeText(c.not_after)},
          {"expired", c.not_after <= absl::Now()},
          {"sha256", c.sha256}};
}

std::string CertificateLines(const pki::CertificateInfo& c, bool color) {
  const std::string role = pki::RoleOf(c);
  std::string out;
  auto add = [&out](const char* label, const std::string& value) {
    if (!value.empty()) absl::StrAppendFormat(&out, "%-11s %s\n", label, value);
  };
  // A certificate's names are anyone's text: escaped (the dates are ours, maybe painted).
  add("subject", EscapeControls(c.subject));
  add("issuer", EscapeControls(c.issuer));
  const std::string problem = pki::RoleProblem(c);
  add("role", c.is_ca            ? "CA"
              : !problem.empty() ? absl::StrCat("refused by agents: the certificate ", problem)
              : role.empty()     ? "none (OU is not osfleet:<role>)"
                                 : role);
  add("names", EscapeControls(absl::StrJoin(c.subject_alt_names, ", ")));
  add("usage", absl::StrJoin(c.extended_key_usage, ", "));
  add("serial", c.serial);
  add("not before", TimeText(c.not_before));
  add("not after", ExpiryText(c.not_after, color));
  add("sha256", c.sha256);
  return out;
}

void PrintPkiResult(OutputFormat format, bool color, const std::string& command,
                    const pki::PkiResult& result) {
  if (format != OutputFormat::kTable) {
    nlohmann::json files = nlohmann::json::array();
    for (const pki::WrittenFile& f : result.files) {
      files.push_back({{"path", f.path}, {"mode", ModeText(f.mode)}, {"contents", f.contents}});
    }
    PrintJson({{"command", command},
               {"files", files},
               {"certificate", CertificateJson(result.certificate)}},
              format);
    return;
  }
  Table table({"FILE", "MODE", "CONTENTS"});
  for (const pki::WrittenFile& f : result.files) {
    table.AddRow({f.path, ModeText(f.mode), f.contents});
  }
  PrintOut(table.Render(color) + "\n" + CertificateLines(result.certificate, color));
}

void PrintCertificateFile(OutputFormat format, bool color, const std::string& file,
                          const pki::CertificateInfo& certificate) {
  if (format != OutputFormat::kTable) {
    nlohmann::json doc = CertificateJson(certificate);
    doc["file"] = file;
    PrintJson(doc, format);
  } else {
    PrintOut(absl::StrFormat("%-11s %s\n", "file", file) + CertificateLines(certificate, color));
  }
}

}  // namespace osfleet::ctl

#include "ctl/output/crl_report.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/text/escape.h"
#include "ctl/output/report.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {
namespace {

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string NextUpdateText(absl::Time next, bool color) {
  if (next == absl::InfiniteFuture()) return "none";
  const int64_t days = std::llround(absl::ToDoubleHours(next - absl::Now()) / 24);
  if (next <= absl::Now()) {
    return absl::StrCat(TimeText(next), " (",
                        Paint("PASSED: run `osctl pki crl --renew`", Color::kRed, color), ")");
  }
  return absl::StrCat(TimeText(next), " (in ", days, " days)");
}

nlohmann::json RevokedJson(const pki::RevokedCertificate& r) {
  return {{"serial", r.serial},
          {"revokedAt", TimeText(r.revoked_at)},
          {"name", r.name},
          {"subject", r.subject}};
}

nlohmann::json CrlJson(const pki::CrlInfo& crl) {
  nlohmann::json serials = nlohmann::json::array();
  for (const pki::RevokedCertificate& r : crl.revoked) serials.push_back(r.serial);
  return {{"issuer", crl.issuer},
          {"crlNumber", crl.number},
          {"thisUpdate", TimeText(crl.this_update)},
          {"nextUpdate", crl.next_update == absl::InfiniteFuture()
                             ? nlohmann::json(nullptr)
                             : nlohmann::json(TimeText(crl.next_update))},
          {"revokedSerials", serials}};
}

void PrintJsonResult(OutputFormat format, const std::string& command, const pki::CrlResult& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const pki::WrittenFile& f : r.files) {
    files.push_back(
        {{"path", f.path}, {"mode", absl::StrFormat("%04o", f.mode)}, {"contents", f.contents}});
  }
  nlohmann::json record = nlohmann::json::array();
  for (const pki::RevokedCertificate& e : r.record) record.push_back(RevokedJson(e));
  nlohmann::json doc = {{"command", command},
                        {"files", files},
                        {"crlFile", r.crl_path},
                        {"crl", r.crl ? CrlJson(*r.crl) : nlohmann::json(nullptr)},
                        {"revoked", record}};
  if (r.revoked) {
    doc["certificate"] = RevokedJson(*r.revoked);
    doc["alreadyRevoked"] = r.already_revoked;
  }
  PrintJson(doc, format);
}

std::string CrlLines(const pki::CrlResult& r, bool color) {
  if (!r.crl) {
    return absl::StrCat(r.crl_path, ": no CRL yet (`osctl pki crl --renew` signs one)\n");
  }
  std::string out;
  auto add = [&out](const char* label, const std::string& value) {
    absl::StrAppendFormat(&out, "%-11s %s\n", label, value);
  };
  add("crl", absl::StrCat(r.crl_path, " #", r.crl->number));
  add("issuer", EscapeControls(r.crl->issuer));
  add("this update", TimeText(r.crl->this_update));
  add("next update", NextUpdateText(r.crl->next_update, color));
  add("revoked", absl::StrCat(r.crl->revoked.size(), " certificate(s)"));
  return out;
}

std::string RecordTable(const pki::CrlResult& r, bool color) {
  if (r.record.empty()) return "nothing is revoked\n";
  Table table({"SERIAL", "REVOKED", "NAME", "SUBJECT"});
  for (const pki::RevokedCertificate& e : r.record) {
    table.AddRow({e.serial, TimeText(e.revoked_at), e.name.empty() ? "-" : e.name,
                  e.subject.empty() ? "-" : e.subject});
  }
  return table.Render(color);
}

}  // namespace

void PrintCrlResult(OutputFormat format, bool color, const std::string& command,
                    const pki::CrlResult& r) {
  if (format != OutputFormat::kTable) return PrintJsonResult(format, command, r);
  std::string out;
  if (r.revoked) {
    const std::string who =
        r.revoked->name.empty() ? "" : absl::StrCat(" (CN=", EscapeControls(r.revoked->name), ")");
    out += absl::StrCat(
        r.already_revoked ? "already revoked on " + TimeText(r.revoked->revoked_at) : "revoked",
        ": serial ", r.revoked->serial, who, "\n\n");
  }
  if (!r.files.empty()) {
    Table files({"FILE", "MODE", "CONTENTS"});
    for (const pki::WrittenFile& f : r.files) {
      files.AddRow({f.path, absl::StrFormat("%04o", f.mode), f.contents});
    }
    out += files.Render(color) + "\n";
  }
  out += CrlLines(r, color) + "\n" + RecordTable(r, color);
  if (r.revoked) {
    out += absl::StrCat("\nCopy ", r.crl_path,
                        " to every agent's tls.crl path; agents load it within seconds.\n");
  }
  PrintOut(out);
}

}  // namespace osfleet::ctl

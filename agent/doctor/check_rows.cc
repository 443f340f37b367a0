#include "agent/doctor/check_rows.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string Mib(uint64_t bytes) {
  return absl::StrCat(absl::StrFormat("%.1f", static_cast<double>(bytes) / kMiB), " MiB");
}

std::string Section(const DatabaseSection& s) {
  const char* provider = s.provider == DbProvider::kOracle ? "Oracle" : "SqlServer";
  std::string text = absl::StrCat(SectionName(s.id), " ", provider, " ",
                                  s.encrypted ? "(encrypted address)" : s.address);
  if (!s.catalog.empty()) absl::StrAppend(&text, " catalog ", s.catalog);
  return text;
}

// Why a rollout could not change this section's address; empty when it could.
std::string Unchangeable(const DatabaseSection& s) {
  if (s.encrypted) return absl::StrCat(SectionName(s.id), "'s address is encrypted");
  if (s.provider == DbProvider::kOracle && s.oracle_naming == OracleNamingType::kTnsName) {
    return absl::StrCat(SectionName(s.id), " names a TNS alias (", s.tns_alias,
                        "): change tnsnames.ora, not this file");
  }
  return "";
}

}  // namespace

const char* CheckLevelName(CheckLevel level) {
  switch (level) {
    case CheckLevel::kOk:
      return "ok";
    case CheckLevel::kWarn:
      return "warn";
    case CheckLevel::kFail:
      break;
  }
  return "fail";
}

CheckRow HsconfParsedRow(const std::string& path, const absl::StatusOr<HsconfDocument>& doc) {
  if (!doc.ok()) {
    return {"hsconf.parsed", CheckLevel::kFail,
            absl::StrCat(path, ": ", ValidUtf8(doc.status().message()))};
  }
  std::vector<std::string> sections, problems;
  for (DatabaseId id : kAllDatabases) {
    sections.push_back(Section(doc->section(id)));
    const std::string problem = Unchangeable(doc->section(id));
    if (!problem.empty()) problems.push_back(problem);
  }
  std::string reason = absl::StrCat(path, ": ", absl::StrJoin(sections, "; "));
  if (!doc->deployment_controller_address.empty()) {
    absl::StrAppend(&reason, "; Deployment Controller ", doc->deployment_controller_address);
  }
  if (problems.empty()) return {"hsconf.parsed", CheckLevel::kOk, ValidUtf8(reason)};
  return {"hsconf.parsed", CheckLevel::kWarn,
          ValidUtf8(absl::StrCat(absl::StrJoin(problems, "; "), " (", reason, ")"))};
}

CheckRow AdvancedSettingsRow(const absl::StatusOr<HsconfDocument>& doc) {
  constexpr char kName[] = "hsconf.advanced_settings";
  if (!doc.ok()) return {kName, CheckLevel::kFail, "not checked: server.hsconf was not parsed"};
  const std::vector<AdvancedSettingsFinding> findings = AdvancedSettingsFindings(*doc);
  std::vector<std::string> lines;
  bool warn = false;
  for (const AdvancedSettingsFinding& f : findings) {
    warn = warn || f.kind != AdvancedSettingsFinding::Kind::kOverridden;
    lines.push_back(f.text);
  }
  if (lines.empty()) {
    return {kName, CheckLevel::kOk, "no address in any advanced-settings element"};
  }
  return {kName, warn ? CheckLevel::kWarn : CheckLevel::kOk, ValidUtf8(absl::StrJoin(lines, "; "))};
}

CheckRow HsconfWritableRow(const std::string& path, const absl::Status& file,
                           const std::string& folder_path, const absl::Status& folder) {
  if (!file.ok()) {
    return {"hsconf.writable", CheckLevel::kFail,
            absl::StrCat("the agent may not write ", path, ": ", ValidUtf8(file.message()))};
  }
  if (!folder.ok()) {
    return {"hsconf.writable", CheckLevel::kFail,
            absl::StrCat("the agent may not create files in ", folder_path,
                         " (a change writes a temporary file there, then renames it): ",
                         ValidUtf8(folder.message()))};
  }
  return {"hsconf.writable", CheckLevel::kOk,
          absl::StrCat(path,
                       " and its folder are writable by the agent (access asked, "
                       "nothing written)")};
}

CheckRow StateDirSpaceRow(const std::string& state_dir, const absl::StatusOr<uint64_t>& available,
                          uint64_t hsconf_bytes, int max_backups) {
  if (!available.ok()) {
    return {"state_dir.space", CheckLevel::kFail, ValidUtf8(available.status().message())};
  }
  const uint64_t fail_below = kSpaceFailFactor * hsconf_bytes + kSpaceFailMargin;
  const uint64_t warn_below =
      static_cast<uint64_t>(std::max(max_backups, 1)) * hsconf_bytes + kSpaceWarnMargin;
  const std::string free_text = absl::StrCat(Mib(*available), " free for ", state_dir,
                                             " (server.hsconf is ", hsconf_bytes, " bytes)");
  if (*available < fail_below) {
    return {"state_dir.space", CheckLevel::kFail,
            absl::StrCat(free_text, ": less than ", Mib(fail_below),
                         ", a change could not keep its backup")};
  }
  if (*available < warn_below) {
    return {"state_dir.space", CheckLevel::kWarn,
            absl::StrCat(free_text, ": less than ", Mib(warn_below), " (", max_backups,
                         " backups and 100 MiB for the audit log and logs)")};
  }
  return {"state_dir.space", CheckLevel::kOk, free_text};
}

CheckRow ServiceRow(const ServiceManager::Known& service) {
  const ServiceStatus& s = service.status;
  const std::string check = absl::StrCat("services.", s.name);
  if (!service.known.ok()) {
    return {check, CheckLevel::kFail,
            absl::StrCat("not known to its backend: ", service.known.message())};
  }
  if (s.state == ServiceState::kRunning) {
    return {check, CheckLevel::kOk,
            s.pid > 0 ? absl::StrCat("running (pid ", s.pid, ")") : std::string("running")};
  }
  std::string reason = ServiceStateName(s.state);
  if (!s.detail.empty()) absl::StrAppend(&reason, ": ", s.detail);
  absl::StrAppend(&reason, "; the rollout's restart will start it");
  return {check, CheckLevel::kWarn, reason};
}

CheckRow ConfigurationToolRow(const std::optional<ConfigurationToolConfig>& tool,
                              const absl::Status& runnable, const std::string& version) {
  const std::string platform =
      version.empty()
          ? std::string("Platform Server version unknown (read from the Windows registry only)")
          : absl::StrCat("Platform Server ", version,
                         " (the registry: HKLM\\SOFTWARE\\OutSystems\\Installer\\Server)");
  if (!tool.has_value() || tool->command.empty()) {
    return {"configuration_tool", CheckLevel::kOk,
            absl::StrCat("not configured: the agent runs no Configuration Tool; ", platform)};
  }
  const std::string& program = tool->command[0];
  if (!runnable.ok()) {
    return {
        "configuration_tool", CheckLevel::kFail,
        absl::StrCat(program, " cannot be run: ", ValidUtf8(runnable.message()), "; ", platform)};
  }
  return {"configuration_tool", CheckLevel::kOk,
          absl::StrCat(program, " is present and may be run (not run by this check); ", platform)};
}

CheckRow AgentCertificateRow(bool insecure, const std::string& path,
                             const absl::StatusOr<CertificateValidity>& validity, absl::Time now) {
  if (insecure) {
    return {"agent.certificate", CheckLevel::kOk,
            "no certificate: the agent serves plaintext (insecure, loopback only)"};
  }
  if (!validity.ok()) {
    return {"agent.certificate", CheckLevel::kFail, ValidUtf8(validity.status().message())};
  }
  const CertificateVerdict v = JudgeCertificate(*validity, now);
  const CheckLevel level = v.health == CertificateHealth::kValid         ? CheckLevel::kOk
                           : v.health == CertificateHealth::kExpiresSoon ? CheckLevel::kWarn
                                                                         : CheckLevel::kFail;
  return {"agent.certificate", level, absl::StrCat(path, " ", v.reason)};
}

}  // namespace osfleet::agent

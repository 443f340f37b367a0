#include "agent/doctor/agent_doctor.h"

#include "absl/strings/str_cat.h"
#include "agent/doctor/check_rows.h"
#include "common/io/os_status.h"
#include "common/platform/default_paths.h"
#include "common/platform/files.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxCertificateBytes = 1 << 20;

absl::Status AccessStatus(const std::string& path, platform::Access access) {
  const platform::Result<void> r = platform::CheckAccess(path, access);
  if (r.ok()) return absl::OkStatus();
  return absl::PermissionDeniedError(ValidUtf8(r.error().Reason()));
}

// The folder of a path written with '/' or '\' (Windows); "." when it has none.
std::string FolderOf(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  if (slash == std::string::npos) return ".";
  if (slash == 0) return path.substr(0, 1);
  return path.substr(0, slash);
}

absl::StatusOr<CertificateValidity> ReadCertificate(const std::string& path) {
  const platform::Result<std::string> pem = platform::ReadFileCapped(path, kMaxCertificateBytes);
  if (!pem.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the agent's certificate: ", ValidUtf8(pem.error().Message())));
  }
  return ReadValidity(path, *pem);
}

}  // namespace

const AgentDoctor::RowSource AgentDoctor::kRowSources[] = {
    &AgentDoctor::HsconfRows, &AgentDoctor::SpaceRows,       &AgentDoctor::ServiceRows,
    &AgentDoctor::ToolRows,   &AgentDoctor::CertificateRows, &AgentDoctor::ServiceCenterRows};

AgentDoctor::AgentDoctor(const AgentConfig* config, HsconfStore* store, ServiceManager* services,
                         PhaseDriver* phase_driver, std::string state_dir, const Clock* clock)
    : config_(config),
      store_(store),
      services_(services),
      phase_driver_(phase_driver),
      state_dir_(std::move(state_dir)),
      clock_(clock) {}

std::vector<CheckRow> AgentDoctor::Run(absl::Time deadline, const CancelToken& cancel) const {
  Seen seen{store_->Read(), clock_->Now(), deadline, &cancel};
  std::vector<CheckRow> rows;
  for (RowSource source : kRowSources) {
    for (CheckRow& row : (this->*source)(seen)) rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<CheckRow> AgentDoctor::HsconfRows(const Seen& seen) const {
  const std::string& path = store_->path();
  const std::string folder = FolderOf(path);
  return {HsconfParsedRow(path, seen.doc),
          HsconfWritableRow(path, AccessStatus(path, platform::Access::kWrite), folder,
                            AccessStatus(folder, platform::Access::kWrite)),
          AdvancedSettingsRow(seen.doc)};
}

std::vector<CheckRow> AgentDoctor::SpaceRows(const Seen& seen) const {
  const platform::Result<uint64_t> space = platform::AvailableBytes(state_dir_);
  absl::StatusOr<uint64_t> available =
      space.ok() ? absl::StatusOr<uint64_t>(*space)
                 : absl::StatusOr<uint64_t>(
                       absl::FailedPreconditionError(ValidUtf8(space.error().Message())));
  // Without a readable file, size a backup by the largest file the agent accepts.
  const uint64_t size = seen.doc.ok() ? seen.doc->bytes.size() : kMaxHsconfBytes;
  return {StateDirSpaceRow(state_dir_, available, size, config_->max_backups)};
}

std::vector<CheckRow> AgentDoctor::ServiceRows(const Seen& /*seen*/) const {
  std::vector<CheckRow> rows;
  for (const ServiceManager::Known& k : services_->CheckKnown()) rows.push_back(ServiceRow(k));
  return rows;
}

std::vector<CheckRow> AgentDoctor::ToolRows(const Seen& /*seen*/) const {
  const std::optional<ConfigurationToolConfig>& tool = config_->configuration_tool;
  const absl::Status runnable = tool.has_value() && !tool->command.empty()
                                    ? AccessStatus(tool->command[0], platform::Access::kExecute)
                                    : absl::OkStatus();
  return {ConfigurationToolRow(tool, runnable, ValidUtf8(platform::PlatformServerVersion()))};
}

std::vector<CheckRow> AgentDoctor::CertificateRows(const Seen& seen) const {
  const absl::StatusOr<CertificateValidity> validity =
      config_->insecure ? absl::StatusOr<CertificateValidity>(CertificateValidity{})
                        : ReadCertificate(config_->tls.cert);
  return {AgentCertificateRow(config_->insecure, config_->tls.cert, validity, seen.now)};
}

std::vector<CheckRow> AgentDoctor::ServiceCenterRows(const Seen& seen) const {
  if (phase_driver_ == nullptr) return {};
  if (absl::Status s = seen.cancel->Check(); !s.ok()) {
    return {
        {"service_center.check", CheckLevel::kFail, absl::StrCat("not checked: ", s.message())}};
  }
  return phase_driver_->Check(seen.deadline, *seen.cancel);
}

}  // namespace osfleet::agent

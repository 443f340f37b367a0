#include "agent/outsystems_services/running_revisions.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "common/text/json_util.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxRecordBytes = 256 * 1024;
constexpr size_t kMaxRevisionChars = 64;

}  // namespace

absl::Status RunningRevisions::Load() {
  if (path_.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadFileCapped(path_, kMaxRecordBytes);
  if (absl::IsNotFound(text.status())) return absl::OkStatus();
  if (!text.ok()) return text.status();
  absl::StatusOr<nlohmann::json> doc = ParseJson(*text, path_);
  if (!doc.ok() || !doc->is_object()) {
    return absl::DataLossError(absl::StrCat(path_, ": not a record of the services' revisions"));
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [service, entry] : doc->items()) {
    if (!entry.is_object()) continue;
    auto revision = entry.find("revision");
    auto pid = entry.find("pid");
    if (revision == entry.end() || !revision->is_string() ||
        revision->get<std::string>().size() > kMaxRevisionChars) {
      continue;
    }
    Entry e{revision->get<std::string>(), 0};
    if (pid != entry.end() && pid->is_number_integer()) e.pid = pid->get<int64_t>();
    entries_[service] = std::move(e);
  }
  return absl::OkStatus();
}

void RunningRevisions::SaveLocked() const {
  if (path_.empty()) return;
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [service, entry] : entries_) {
    doc[service] = {{"revision", entry.revision}, {"pid", entry.pid}};
  }
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  // Only a record: a failed write costs an extra restart on the next revert (the agent
  // then cannot tell what the services run on), never a missing one.
  if (absl::Status s = WriteFileAtomically(path_, DumpJson(doc, 2) + "\n", options); !s.ok()) {
    spdlog::warn("recording the services' revisions: {}", std::string(s.message()));
  }
}

void RunningRevisions::Started(const std::string& service, const std::string& revision,
                               int64_t pid) {
  absl::MutexLock lock(&mu_);
  entries_[service] = {revision, pid};
  SaveLocked();
}

void RunningRevisions::Stopped(const std::string& service) {
  absl::MutexLock lock(&mu_);
  if (entries_.erase(service) > 0) SaveLocked();
}

std::string RunningRevisions::RevisionOf(const ServiceStatus& status) const {
  if (status.state != ServiceState::kRunning) return "";
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(status.name);
  if (it == entries_.end()) return "";
  const Entry& e = it->second;
  if (e.pid != 0 && status.pid != 0 && e.pid != status.pid) return "";  // restarted since
  return e.revision;
}

}  // namespace osfleet::agent

#include "agent/endpoints/pending_change.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "common/platform/files.h"
#include "common/text/json_util.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxRecordBytes = 64 * 1024;

std::string TextOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool BoolOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// 0 when missing or not a whole number (a record written before the field existed).
int64_t MillisOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

absl::StatusOr<std::optional<PendingChange>> PendingChangeFile::Load() const {
  absl::StatusOr<std::string> text = ReadFileCapped(path_, kMaxRecordBytes);
  if (absl::IsNotFound(text.status())) return std::optional<PendingChange>();
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  PendingChange c;
  if (j.is_object()) {
    c.change_id = TextOf(j, "change_id");
    c.backup_id = TextOf(j, "backup_id");
    c.backup_revision = TextOf(j, "backup_revision");
    c.revision = TextOf(j, "revision");
    c.restart_services = BoolOf(j, "restart_services");
    c.deadline = absl::FromUnixMillis(MillisOf(j, "deadline_unix_ms"));
    c.window = absl::Milliseconds(MillisOf(j, "window_ms"));
    c.lease = absl::Milliseconds(MillisOf(j, "lease_ms"));
    c.install_service_center = BoolOf(j, "install_service_center");  // absent: older agent
    c.owner = TextOf(j, "owner");                                    // absent: older agent
  }
  if (c.change_id.empty() || c.backup_id.empty() || c.revision.empty()) {
    return absl::DataLossError(absl::StrCat(path_, ": not a pending-change record"));
  }
  return std::optional<PendingChange>(c);
}

absl::Status PendingChangeFile::Save(const PendingChange& c) const {
  const nlohmann::json j = {{"change_id", c.change_id},
                            {"backup_id", c.backup_id},
                            {"backup_revision", c.backup_revision},
                            {"revision", c.revision},
                            {"restart_services", c.restart_services},
                            {"deadline_unix_ms", absl::ToUnixMillis(c.deadline)},
                            {"deadline", absl::FormatTime(c.deadline, absl::UTCTimeZone())},
                            {"window_ms", absl::ToInt64Milliseconds(c.window)},
                            {"lease_ms", absl::ToInt64Milliseconds(c.lease)},
                            {"install_service_center", c.install_service_center},
                            {"owner", c.owner}};
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  return WriteFileAtomically(path_, DumpJson(j, 2) + "\n", options);
}

absl::Status PendingChangeFile::Remove() const {
  const platform::Result<void> removed = platform::RemoveFile(path_);
  if (!removed.ok()) {
    return absl::InternalError(absl::StrCat("removing ", path_, ": ", removed.error().Reason()));
  }
  return absl::OkStatus();
}

}  // namespace osfleet::agent

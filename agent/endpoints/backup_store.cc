#include "agent/endpoints/backup_store.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/hsconf.h"
#include "common/platform/files.h"
#include "common/revision.h"

namespace osfleet::agent {
namespace {

constexpr absl::string_view kTimeFormat = "%Y-%m-%dT%H%M%E6SZ";
constexpr absl::string_view kTimeParseFormat = "%Y-%m-%dT%H%M%E*SZ";
constexpr absl::string_view kData = ".hsconf";
constexpr absl::string_view kReason = ".reason";
constexpr size_t kMaxReasonBytes = 4096;

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

absl::StatusOr<std::vector<std::string>> ListIds(const std::string& dir) {
  std::vector<std::string> ids;
  platform::Result<std::vector<std::string>> names = platform::ListFolder(dir);
  if (!names.ok()) {
    if (names.error().NotFound()) return ids;
    return absl::InternalError(absl::StrCat("listing ", dir, ": ", names.error().Reason()));
  }
  for (const std::string& entry : *names) {
    absl::string_view name = entry;
    if (absl::EndsWith(name, kData)) {
      ids.emplace_back(name.substr(0, name.size() - kData.size()));
    }
  }
  std::sort(ids.rbegin(), ids.rend());  // ids start with a UTC timestamp: newest first
  return ids;
}

}  // namespace

BackupStore::BackupStore(std::string dir, int keep) : dir_(std::move(dir)), keep_(keep) {}

std::string BackupStore::PathOf(absl::string_view id, absl::string_view ext) const {
  return absl::StrCat(dir_, "/", id, ext);
}

absl::Status BackupStore::EnsureDir() const {
  const platform::Result<void> made = platform::MakeDir(dir_, 0700);
  if (!made.ok()) {
    return absl::InternalError(
        absl::StrCat("creating backup folder ", dir_, ": ", made.error().Reason()));
  }
  return absl::OkStatus();
}

absl::StatusOr<BackupInfo> BackupStore::Save(absl::string_view bytes, absl::string_view reason) {
  if (absl::Status s = EnsureDir(); !s.ok()) return s;
  BackupInfo info;
  info.created_at = absl::Now();
  info.revision = Sha256Hex(bytes);
  info.size_bytes = bytes.size();
  info.reason = std::string(reason.substr(0, kMaxReasonBytes));
  info.id = absl::StrCat(absl::FormatTime(kTimeFormat, info.created_at, absl::UTCTimeZone()), "-",
                         info.revision.substr(0, 8));
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  if (absl::Status s = WriteFileAtomically(PathOf(info.id, kReason), info.reason, options);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFileAtomically(PathOf(info.id, kData), bytes, options); !s.ok()) {
    return s;
  }
  if (absl::Status s = Rotate(); !s.ok()) return s;
  return info;
}

absl::Status BackupStore::Rotate() const {
  absl::StatusOr<std::vector<std::string>> ids = ListIds(dir_);
  if (!ids.ok()) return ids.status();
  for (size_t i = static_cast<size_t>(keep_); i < ids->size(); ++i) {
    (void)platform::RemoveFile(PathOf((*ids)[i], kData));
    (void)platform::RemoveFile(PathOf((*ids)[i], kReason));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BackupInfo>> BackupStore::List() const {
  absl::StatusOr<std::vector<std::string>> ids = ListIds(dir_);
  if (!ids.ok()) return ids.status();
  std::vector<BackupInfo> out;
  for (const std::string& id : *ids) {
    absl::StatusOr<std::string> bytes = Read(id);
    if (!bytes.ok()) continue;  // removed by a concurrent rotation
    BackupInfo info;
    info.id = id;
    info.revision = Sha256Hex(*bytes);
    info.size_bytes = bytes->size();
    std::string err;
    absl::ParseTime(kTimeParseFormat, id.substr(0, id.rfind('-')), &info.created_at, &err);
    absl::StatusOr<std::string> reason = ReadFileCapped(PathOf(id, kReason), kMaxReasonBytes);
    if (reason.ok()) info.reason = *reason;
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<std::string> BackupStore::Read(absl::string_view id) const {
  if (!IsValidId(id)) {
    return absl::InvalidArgumentError(absl::StrCat("backup id '", id, "' is not a backup id"));
  }
  absl::StatusOr<std::string> bytes = ReadFileCapped(PathOf(id, kData), kMaxHsconfBytes);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("no backup '", id, "' (see ListBackups)"));
  }
  return bytes;
}

}  // namespace osfleet::agent

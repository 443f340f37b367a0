#include "agent/endpoints/backup_store.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/io/atomic_file.h"
#include "common/model/hsconf.h"
#include "common/model/revision.h"
#include "common/platform/files.h"
#include "common/platform/test_pause.h"

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

// The sequence number of "s000042-..." ids; nullopt for an older version's time-named id.
std::optional<uint64_t> SequenceOf(absl::string_view id) {
  if (!absl::ConsumePrefix(&id, "s")) return std::nullopt;
  const size_t dash = id.find('-');
  const absl::string_view digits = id.substr(0, dash);
  uint64_t seq = 0;
  if (dash == absl::string_view::npos || digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(digits, &seq)) {
    return std::nullopt;
  }
  return seq;
}

// The time part of an id ("2026-11-27T011814.123456Z").
absl::string_view TimeOf(absl::string_view id) {
  if (SequenceOf(id).has_value()) id = id.substr(id.find('-') + 1);
  return id.substr(0, id.rfind('-'));
}

// Newest first: numbered ids by sequence, then time-named ones (older versions) by name.
bool NewerFirst(const std::string& a, const std::string& b) {
  const std::optional<uint64_t> sa = SequenceOf(a), sb = SequenceOf(b);
  if (sa.has_value() != sb.has_value()) return sa.has_value();
  if (sa.has_value() && *sa != *sb) return *sa > *sb;
  return a > b;
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
    if (absl::EndsWith(name, kData) && !absl::StartsWith(name, ".")) {
      ids.emplace_back(name.substr(0, name.size() - kData.size()));
    }
  }
  std::sort(ids.begin(), ids.end(), NewerFirst);
  return ids;
}

}  // namespace

BackupStore::BackupStore(std::string dir, int keep) : dir_(std::move(dir)), keep_(keep) {}

std::string BackupStore::PathOf(absl::string_view id, absl::string_view ext) const {
  return absl::StrCat(dir_, "/", id, ext);
}

void BackupStore::set_pinned(std::function<std::vector<std::string>()> pinned) {
  absl::MutexLock lock(&mu_);
  pinned_ = std::move(pinned);
}

std::vector<std::string> BackupStore::Pinned() const {
  std::function<std::vector<std::string>()> pinned;
  {
    absl::MutexLock lock(&mu_);
    pinned = pinned_;
  }
  return pinned ? pinned() : std::vector<std::string>();
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
  absl::StatusOr<std::vector<std::string>> ids = ListIds(dir_);
  if (!ids.ok()) return ids.status();
  // The next number after the newest; rotation never removes the newest, so the numbers
  // only grow (a folder emptied by hand starts again at 1).
  const std::optional<uint64_t> newest = ids->empty() ? std::nullopt : SequenceOf(ids->front());
  BackupInfo info;
  info.created_at = absl::Now();
  info.revision = Sha256Hex(bytes);
  info.size_bytes = bytes.size();
  info.reason = std::string(reason.substr(0, kMaxReasonBytes));
  info.id = absl::StrFormat("s%06d-%s-%s", newest.value_or(0) + 1,
                            absl::FormatTime(kTimeFormat, info.created_at, absl::UTCTimeZone()),
                            info.revision.substr(0, 8));
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  options.after_step = [](WriteStep step) {
    if (step == WriteStep::kTempWritten) platform::PauseIfAsked("backup-temp-written");
  };
  if (absl::Status s = WriteFileAtomically(PathOf(info.id, kReason), info.reason, options);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFileAtomically(PathOf(info.id, kData), bytes, options); !s.ok()) {
    return s;
  }
  ids->insert(ids->begin(), info.id);  // the newest: its number is the highest
  Rotate(*ids, info.id);
  return info;
}

void BackupStore::Rotate(const std::vector<std::string>& ids, const std::string& just_saved) const {
  std::vector<std::string> keep = Pinned();
  keep.push_back(just_saved);
  for (size_t i = static_cast<size_t>(keep_); i < ids.size(); ++i) {
    const std::string& id = ids[i];
    if (std::find(keep.begin(), keep.end(), id) != keep.end()) continue;
    (void)platform::RemoveFile(PathOf(id, kData));
    (void)platform::RemoveFile(PathOf(id, kReason));
  }
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
    absl::ParseTime(kTimeParseFormat, TimeOf(id), &info.created_at, &err);
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

absl::StatusOr<std::vector<std::string>> BackupStore::RemoveStaleTempFiles() const {
  return osfleet::RemoveStaleTempFiles(dir_);
}

}  // namespace osfleet::agent

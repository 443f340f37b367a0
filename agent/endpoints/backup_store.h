// Backups of server.hsconf in the agent's state dir: one file per backup, taken before
// every write, the newest `keep` kept. Ordered by a sequence number in the id, never by
// the clock: a clock that was ahead (and then corrected) cannot make a new backup look
// old. Backups of older versions (time-named ids) count as older than every numbered one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace osfleet::agent {

struct BackupInfo {
  // "s000042-2026-11-27T011814.123456Z-1a2b3c4d": sequence, time, revision prefix.
  // Older versions wrote "2026-11-27T011814.123456Z-1a2b3c4d" (still listed and read).
  std::string id;
  absl::Time created_at;
  std::string revision;
  uint64_t size_bytes = 0;
  std::string reason;
};

class BackupStore {
 public:
  // dir is created (mode 0700) on first use.
  BackupStore(std::string dir, int keep);

  // Saves bytes (mode 0600, atomically) under the next sequence number and removes the
  // oldest beyond `keep`: never the one just saved, nor a pinned one.
  absl::StatusOr<BackupInfo> Save(absl::string_view bytes, absl::string_view reason);
  // Newest first: numbered ids by sequence, then older versions' ids by time.
  absl::StatusOr<std::vector<BackupInfo>> List() const;
  // NOT_FOUND for an unknown id; INVALID_ARGUMENT for an id that is not one of ours.
  absl::StatusOr<std::string> Read(absl::string_view id) const;

  // Ids rotation must keep whatever their age (the backup a pending change reverts to).
  // Called on every Save, without locks of ours held.
  void set_pinned(std::function<std::vector<std::string>()> pinned);

  // Removes temp files a killed agent left in the folder; the paths removed.
  absl::StatusOr<std::vector<std::string>> RemoveStaleTempFiles() const;

 private:
  absl::Status EnsureDir() const;
  // Removes the backups of `ids` (newest first) beyond `keep`, except pinned ones and
  // just_saved.
  void Rotate(const std::vector<std::string>& ids, const std::string& just_saved) const;
  std::string PathOf(absl::string_view id, absl::string_view ext) const;
  std::vector<std::string> Pinned() const;

  std::string dir_;
  int keep_;
  mutable absl::Mutex mu_;
  std::function<std::vector<std::string>()> pinned_ ABSL_GUARDED_BY(mu_);
};

}  // namespace osfleet::agent

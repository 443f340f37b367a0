// Backups of server.hsconf in the agent's state dir: one file per backup, taken before
// every write, the newest `keep` kept.
#pragma once

#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace osfleet::agent {

struct BackupInfo {
  std::string id;  // "2026-11-27T011814.123456Z-1a2b3c4d": time then revision prefix
  absl::Time created_at;
  std::string revision;
  uint64_t size_bytes = 0;
  std::string reason;
};

class BackupStore {
 public:
  // dir is created (mode 0700) on first use.
  BackupStore(std::string dir, int keep);

  // Saves bytes (mode 0600, atomically) and removes the oldest beyond `keep`.
  absl::StatusOr<BackupInfo> Save(absl::string_view bytes, absl::string_view reason);
  // Newest first.
  absl::StatusOr<std::vector<BackupInfo>> List() const;
  // NOT_FOUND for an unknown id; INVALID_ARGUMENT for an id that is not one of ours.
  absl::StatusOr<std::string> Read(absl::string_view id) const;

 private:
  absl::Status EnsureDir() const;
  absl::Status Rotate() const;
  std::string PathOf(absl::string_view id, absl::string_view ext) const;

  std::string dir_;
  int keep_;
};

}  // namespace osfleet::agent

// The agent's state dir (backups, and later pending changes and the audit log). Created
// with mode 0700 and locked for the agent's lifetime so that two agents never share it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/platform/file_lock.h"

namespace osfleet::agent {

class StateDir {
 public:
  // Creates the folder (and parents) and takes an exclusive lock on "osagent.lock"; then
  // removes (and logs) the temp files a killed agent left in it (pending.json's).
  // FAILED_PRECONDITION when another process holds the lock.
  static absl::StatusOr<StateDir> Open(const std::string& path);
  StateDir(StateDir&& other) noexcept = default;
  StateDir& operator=(StateDir&&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(absl::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  StateDir(std::string path, platform::FileLock lock)
      : path_(std::move(path)), lock_(std::move(lock)) {}
  std::string path_;
  platform::FileLock lock_;  // held while this object lives
};

}  // namespace osfleet::agent

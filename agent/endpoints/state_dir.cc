#include "agent/endpoints/state_dir.h"

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"

namespace osfleet::agent {

absl::StatusOr<StateDir> StateDir::Open(const std::string& path) {
  if (absl::Status s = MakeDirs(path, 0700); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("state dir: ", s.message()));
  }
  const std::string lock_path = path + "/osagent.lock";
  platform::Result<platform::FileLock> lock = platform::FileLock::Acquire(lock_path);
  if (!lock.ok() && lock.error().code == platform::Errc::kLockHeld) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state dir ", path, " is in use by another osagent (", lock_path, " is locked)"));
  }
  if (!lock.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("state dir: cannot open ", lock_path, ": ", lock.error().Reason()));
  }
  return StateDir(path, *std::move(lock));
}

}  // namespace osfleet::agent

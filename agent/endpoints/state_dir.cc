#include "agent/endpoints/state_dir.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/api/logging.h"
#include "common/io/atomic_file.h"

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
  // Ours alone now (locked): any temp file of an atomic write here is left by a killed agent.
  absl::StatusOr<std::vector<std::string>> removed = RemoveStaleTempFiles(path);
  if (!removed.ok()) {
    spdlog::warn("looking for stale temp files in the state dir: {}", removed.status().message());
  }
  for (const std::string& file : removed.ok() ? *removed : std::vector<std::string>()) {
    spdlog::warn(
        "removed a stale temp file {} (left by an osagent stopped in the middle of a write)", file);
  }
  return StateDir(path, *std::move(lock));
}

}  // namespace osfleet::agent

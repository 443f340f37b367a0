#include "agent/endpoints/state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"

namespace osfleet::agent {
namespace {}  // namespace

absl::StatusOr<StateDir> StateDir::Open(const std::string& path) {
  if (absl::Status s = MakeDirs(path, 0700); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("state dir: ", s.message()));
  }
  const std::string lock_path = path + "/osagent.lock";
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("state dir: cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "state dir ", path, " is in use by another osagent (", lock_path, " is locked)"));
  }
  return StateDir(path, fd);
}

StateDir::StateDir(StateDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

StateDir::~StateDir() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

}  // namespace osfleet::agent

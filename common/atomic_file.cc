#include "common/atomic_file.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace osfleet {
namespace {

// Closes a descriptor on every return path.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports close()'s result (0 or -1 with errno).
  int Close() {
    const int fd = fd_;
    fd_ = -1;
    return close(fd);
  }

 private:
  int fd_;
};

absl::Status ErrnoError(int error, absl::string_view step, absl::string_view path) {
  return absl::ErrnoToStatus(error, absl::StrCat(step, " ", path));
}

absl::StatusOr<std::string> ReadAll(int fd, const std::string& path, size_t max_bytes) {
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading", path);
    if (n == 0) return out;
    out.append(buffer, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " grew past the ", max_bytes, "-byte limit while being read"));
    }
  }
}

absl::Status WriteAll(int fd, absl::string_view bytes, const std::string& tmp) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "writing", tmp);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// The file to replace: a symlink's target is replaced, not the link.
struct Target {
  std::string path;
  std::string dir;
  std::string base;
  bool exists = false;
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

absl::StatusOr<std::string> FollowSymlink(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return ErrnoError(errno, "resolving the symbolic link", path);
  }
  return std::string(resolved);
}

absl::StatusOr<Target> ResolveTarget(const std::string& path, mode_t new_file_mode) {
  absl::StatusOr<std::string> resolved = FollowSymlink(path);
  if (!resolved.ok()) return resolved.status();
  Target target;
  target.path = *resolved;
  const size_t slash = target.path.rfind('/');
  target.dir = slash == std::string::npos ? "." : target.path.substr(0, slash == 0 ? 1 : slash);
  target.base = slash == std::string::npos ? target.path : target.path.substr(slash + 1);
  struct stat st;
  if (stat(target.path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoError(errno, "inspecting", target.path);
    target.mode = new_file_mode;
    return target;
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(target.path, " is not a regular file"));
  }
  target.exists = true;
  target.mode = st.st_mode & 07777;
  target.uid = st.st_uid;
  target.gid = st.st_gid;
  return target;
}

void Notify(const AtomicWriteOptions& options, WriteStep step) {
  if (options.after_step) options.after_step(step);
}

absl::Status SetModeAndOwner(int fd, const Target& target, const std::string& tmp) {
  if (fchmod(fd, target.mode) != 0) return ErrnoError(errno, "setting the mode of", tmp);
  if (!target.exists) return absl::OkStatus();
  // Only root may give a file away; anyone else keeps their own uid (and that is fine).
  if (fchown(fd, target.uid, target.gid) != 0 && !(errno == EPERM && geteuid() != 0)) {
    return ErrnoError(errno, "setting the owner of", tmp);
  }
  return absl::OkStatus();
}

// Fills, syncs and closes the temp file; closes fd on every path.
absl::Status FillTemp(int raw_fd, const std::string& tmp, absl::string_view bytes,
                      const Target& target, const AtomicWriteOptions& options) {
  UniqueFd fd(raw_fd);
  if (absl::Status s = WriteAll(fd.get(), bytes, tmp); !s.ok()) return s;
  Notify(options, WriteStep::kTempWritten);
  if (absl::Status s = SetModeAndOwner(fd.get(), target, tmp); !s.ok()) return s;
  if (fsync(fd.get()) != 0) return ErrnoError(errno, "syncing", tmp);
  Notify(options, WriteStep::kTempSynced);
  if (fd.Close() != 0) return ErrnoError(errno, "closing", tmp);
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError(errno, "opening the folder", dir);
  // Some file systems cannot sync a directory (EINVAL); the rename is done either way.
  if (fsync(fd.get()) != 0 && errno != EINVAL) {
    return ErrnoError(errno, "syncing the folder (the file was replaced)", dir);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadFileCapped(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not hang; it is refused below.
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return ErrnoError(errno, "opening", path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoError(errno, "inspecting", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is ", st.st_size, " bytes, more than the ", max_bytes, "-byte limit"));
  }
  return ReadAll(fd.get(), path, max_bytes);
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes,
                                 const AtomicWriteOptions& options) {
  absl::StatusOr<Target> target = ResolveTarget(path, options.new_file_mode);
  if (!target.ok()) return target.status();
  std::string tmp =
      absl::StrCat(target->dir == "/" ? "" : target->dir, "/.", target->base, ".tmp-XXXXXX");
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "creating a temp file in", target->dir);
  Notify(options, WriteStep::kTempCreated);
  if (absl::Status s =
          FillTemp(fd, tmp, absl::string_view(bytes.data(), bytes.size()), *target, options);
      !s.ok()) {
    unlink(tmp.c_str());
    return s;
  }
  if (rename(tmp.c_str(), target->path.c_str()) != 0) {
    const int error = errno;
    unlink(tmp.c_str());
    return ErrnoError(error, absl::StrCat("renaming ", tmp, " over"), target->path);
  }
  Notify(options, WriteStep::kRenamed);
  if (absl::Status s = SyncDirectory(target->dir); !s.ok()) return s;
  Notify(options, WriteStep::kDirSynced);
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path, mode_t mode) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", prefix, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace osfleet

#include "common/platform/atomic_replace.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/platform/posix/errno_error.h"
#include "common/platform/unique_fd.h"

namespace osfleet::platform {
namespace {

using posix::ErrnoError;

Result<void> WriteAll(int fd, std::string_view bytes, const std::string& tmp) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "writing " + tmp);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
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

Result<std::string> FollowSymlink(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return ErrnoError(errno, "resolving the symbolic link " + path);
  }
  return std::string(resolved);
}

Result<Target> ResolveTarget(const std::string& path, FileMode new_file_mode) {
  Result<std::string> resolved = FollowSymlink(path);
  if (!resolved.ok()) return resolved.error();
  Target target;
  target.path = *resolved;
  const std::size_t slash = target.path.rfind('/');
  target.dir = slash == std::string::npos ? "." : target.path.substr(0, slash == 0 ? 1 : slash);
  target.base = slash == std::string::npos ? target.path : target.path.substr(slash + 1);
  struct stat st;
  if (stat(target.path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoError(errno, "inspecting " + target.path);
    target.mode = static_cast<mode_t>(new_file_mode);
    return target;
  }
  if (!S_ISREG(st.st_mode)) {
    return posix::PlatformError(Errc::kNotRegularFile, target.path + " is not a regular file");
  }
  target.exists = true;
  target.mode = st.st_mode & 07777;
  target.uid = st.st_uid;
  target.gid = st.st_gid;
  return target;
}

void Notify(const ReplaceOptions& options, ReplaceStep step) {
  if (options.after_step) options.after_step(step);
}

Result<void> SetModeAndOwner(int fd, const Target& target, const std::string& tmp) {
  if (fchmod(fd, target.mode) != 0) return ErrnoError(errno, "setting the mode of " + tmp);
  if (!target.exists) return {};
  // Only root may give a file away; anyone else keeps their own uid (and that is fine).
  if (fchown(fd, target.uid, target.gid) != 0 && !(errno == EPERM && geteuid() != 0)) {
    return ErrnoError(errno, "setting the owner of " + tmp);
  }
  return {};
}

// Fills, syncs and closes the temp file; closes fd on every path.
Result<void> FillTemp(int raw_fd, const std::string& tmp, std::string_view bytes,
                      const Target& target, const ReplaceOptions& options) {
  UniqueFd fd(raw_fd);
  if (Result<void> r = WriteAll(fd.get(), bytes, tmp); !r.ok()) return r;
  Notify(options, ReplaceStep::kTempWritten);
  if (Result<void> r = SetModeAndOwner(fd.get(), target, tmp); !r.ok()) return r;
  if (fsync(fd.get()) != 0) return ErrnoError(errno, "syncing " + tmp);
  Notify(options, ReplaceStep::kTempSynced);
  if (fd.Close() != 0) return ErrnoError(errno, "closing " + tmp);
  return {};
}

Result<void> SyncDirectory(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(errno, "opening the folder " + dir);
  // Some file systems cannot sync a directory (EINVAL); the rename is done either way.
  if (fsync(fd.get()) != 0 && errno != EINVAL) {
    return ErrnoError(errno, "syncing the folder (the file was replaced) " + dir);
  }
  return {};
}

}  // namespace

Result<void> ReplaceFileAtomically(const std::string& path, std::string_view bytes,
                                   const ReplaceOptions& options) {
  Result<Target> target = ResolveTarget(path, options.new_file_mode);
  if (!target.ok()) return target.error();
  std::string tmp = (target->dir == "/" ? "" : target->dir) + "/." + target->base + ".tmp-XXXXXX";
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "creating a temp file in " + target->dir);
  Notify(options, ReplaceStep::kTempCreated);
  if (Result<void> r = FillTemp(fd, tmp, bytes, *target, options); !r.ok()) {
    unlink(tmp.c_str());
    return r;
  }
  if (rename(tmp.c_str(), target->path.c_str()) != 0) {
    const int error = errno;
    unlink(tmp.c_str());
    return ErrnoError(error, "renaming " + tmp + " over " + target->path);
  }
  Notify(options, ReplaceStep::kRenamed);
  if (Result<void> r = SyncDirectory(target->dir); !r.ok()) return r;
  Notify(options, ReplaceStep::kDirSynced);
  return {};
}

}  // namespace osfleet::platform

#include "common/platform/atomic_replace.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <tuple>
#include <utility>

#include "common/platform/file_lock.h"
#include "common/platform/posix/errno_error.h"
#include "common/platform/replace_temp_name.h"

namespace osfleet::platform {
namespace {

using posix::ErrnoError;
using posix::PlatformError;

void Notify(const ReplaceOptions& options, ReplaceStep step) {
  if (options.after_step) options.after_step(step);
}

// "/a/b" -> {"/a", "b"}; "/b" -> {"/", "b"}; "b" -> {".", "b"}.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {path.substr(0, slash == 0 ? 1 : slash), path.substr(slash + 1)};
}

std::string Join(const std::string& dir, const std::string& name) {
  return (dir == "/" ? "" : dir) + "/" + name;
}

std::string OctalMode(mode_t mode) {
  char text[16];
  std::snprintf(text, sizeof(text), "%#o", static_cast<unsigned>(mode & 07777));
  return text;
}

// What the new file gets: the old file's mode and owner, or new_file_mode for a new one.
struct Ownership {
  mode_t mode = 0600;
  bool chown = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Ownership OwnershipOf(const struct stat& st) {
  return {static_cast<mode_t>(st.st_mode & 07777), true, st.st_uid, st.st_gid};
}

struct Temp {
  UniqueFd fd;
  std::string name;
  std::string path;
};

// A new temp file in the folder: O_EXCL|O_NOFOLLOW (never an existing file or a link),
// mode 0600 until it gets its final mode and owner, before any byte is written to it.
Result<Temp> CreateTemp(int dir_fd, const std::string& dir, const std::string& base,
                        const Ownership& own) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    Temp temp;
    temp.name = NewReplaceTempName(base);
    temp.path = Join(dir, temp.name);
    temp.fd = UniqueFd(openat(dir_fd, temp.name.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!temp.fd.valid() && errno == EEXIST) continue;
    if (!temp.fd.valid()) return ErrnoError(errno, "creating a temp file in " + dir);
    // Only root may give a file away; anyone else keeps their own uid (and that is fine).
    if (own.chown && fchown(temp.fd.get(), own.uid, own.gid) != 0 &&
        !(errno == EPERM && geteuid() != 0)) {
      const int error = errno;
      unlinkat(dir_fd, temp.name.c_str(), 0);
      return ErrnoError(error, "setting the owner of " + temp.path);
    }
    if (fchmod(temp.fd.get(), own.mode) != 0) {
      const int error = errno;
      unlinkat(dir_fd, temp.name.c_str(), 0);
      return ErrnoError(error, "setting the mode of " + temp.path);
    }
    return temp;
  }
  return ErrnoError(EEXIST, "creating a temp file in " + dir);
}

Result<void> WriteAll(int fd, std::string_view bytes, const std::string& tmp) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "writing " + tmp);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Fills, syncs and closes the temp file.
Result<void> FillTemp(Temp& temp, std::string_view bytes, const ReplaceOptions& options) {
  if (Result<void> r = WriteAll(temp.fd.get(), bytes, temp.path); !r.ok()) return r;
  Notify(options, ReplaceStep::kTempWritten);
  if (fsync(temp.fd.get()) != 0) return ErrnoError(errno, "syncing " + temp.path);
  Notify(options, ReplaceStep::kTempSynced);
  if (temp.fd.Close() != 0) return ErrnoError(errno, "closing " + temp.path);
  return {};
}

Result<void> SyncFolder(int dir_fd, const std::string& dir) {
  // Some file systems cannot sync a directory (EINVAL); the rename is done either way.
  if (fsync(dir_fd) != 0 && errno != EINVAL) {
    return ErrnoError(errno, "syncing the folder (the file was replaced) " + dir);
  }
  return {};
}

// Temp file, then rename over dir/base unless still_ours() says the name no longer holds
// the file meant to be replaced (false: the temp file is removed and nothing changes).
Result<bool> WriteAndRename(int dir_fd, const std::string& dir, const std::string& base,
                            std::string_view bytes, const Ownership& own,
                            const ReplaceOptions& options,
                            const std::function<bool()>& still_ours) {
  Result<Temp> temp = CreateTemp(dir_fd, dir, base, own);
  if (!temp.ok()) return temp.error();
  Notify(options, ReplaceStep::kTempCreated);
  if (Result<void> r = FillTemp(*temp, bytes, options); !r.ok()) {
    unlinkat(dir_fd, temp->name.c_str(), 0);
    return r.error();
  }
  if (still_ours && !still_ours()) {
    unlinkat(dir_fd, temp->name.c_str(), 0);
    return false;
  }
  if (renameat(dir_fd, temp->name.c_str(), dir_fd, base.c_str()) != 0) {
    const int error = errno;
    unlinkat(dir_fd, temp->name.c_str(), 0);
    return ErrnoError(error, "renaming " + temp->path + " over " + Join(dir, base));
  }
  Notify(options, ReplaceStep::kRenamed);
  if (Result<void> r = SyncFolder(dir_fd, dir); !r.ok()) return r.error();
  Notify(options, ReplaceStep::kDirSynced);
  return true;
}

// A symlink's target is replaced, not the link.
Result<std::string> FollowSymlink(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return ErrnoError(errno, "resolving the symbolic link " + path);
  }
  return std::string(resolved);
}

Result<std::vector<std::string>> RemoveTempsIn(int dir_fd, const std::string& folder,
                                               std::string_view base) {
  std::vector<std::string> removed;
  DIR* dir = fdopendir(dup(dir_fd));
  if (dir == nullptr) return ErrnoError(errno, "listing " + folder);
  rewinddir(dir);
  Result<void> failed;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    struct stat st;
    if (!IsReplaceTempName(name, base) ||
        fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    if (unlinkat(dir_fd, name.c_str(), 0) == 0) {
      removed.push_back(Join(folder, name));
    } else if (errno != ENOENT && failed.ok()) {
      failed = ErrnoError(errno, "removing " + Join(folder, name));
    }
  }
  closedir(dir);
  if (!failed.ok()) return failed.error();
  return removed;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

Result<void> ReplaceFileAtomically(const std::string& path, std::string_view bytes,
                                   const ReplaceOptions& options) {
  Result<std::string> resolved = FollowSymlink(path);
  if (!resolved.ok()) return resolved.error();
  const auto [dir, base] = SplitPath(*resolved);
  Ownership own;
  own.mode = static_cast<mode_t>(options.new_file_mode);
  struct stat st;
  if (stat(resolved->c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      return PlatformError(Errc::kNotRegularFile, *resolved + " is not a regular file");
    }
    own = OwnershipOf(st);
  } else if (errno != ENOENT) {
    return ErrnoError(errno, "inspecting " + *resolved);
  }
  UniqueFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) return ErrnoError(errno, "creating a temp file in " + dir);
  Result<bool> done = WriteAndRename(dir_fd.get(), dir, base, bytes, own, options, nullptr);
  if (!done.ok()) return done.error();
  return {};
}

Result<std::vector<std::string>> RemoveStaleTempFiles(const std::string& folder,
                                                      std::string_view base) {
  UniqueFd dir_fd(open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid() && errno == ENOENT) return std::vector<std::string>();
  if (!dir_fd.valid()) return ErrnoError(errno, "listing " + folder);
  return RemoveTempsIn(dir_fd.get(), folder, base);
}

// ----- EditableFile ---------------------------------------------------------------------

namespace {

Result<UniqueFd> OpenIn(int dir_fd, const std::string& base, const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang; it is refused below.
  UniqueFd fd(openat(dir_fd, base.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid() && errno == ELOOP) {
    return PlatformError(Errc::kNotRegularFile,
                         path + " is not a regular file (a symbolic link appeared there)");
  }
  if (!fd.valid()) return ErrnoError(errno, "opening " + path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoError(errno, "inspecting " + path);
  if (!S_ISREG(st.st_mode)) {
    return PlatformError(Errc::kNotRegularFile, path + " is not a regular file");
  }
  return fd;
}

// Whether dir/base still names the open file.
bool StillNames(int dir_fd, const std::string& base, int file_fd) {
  struct stat named, open;
  return fstatat(dir_fd, base.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
         fstat(file_fd, &open) == 0 && SameFile(named, open);
}

}  // namespace

Result<EditableFile> EditableFile::Open(const std::string& path, const Options& options) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return ErrnoError(errno, "opening " + path);
  EditableFile file;
  file.path_ = resolved;
  std::tie(file.folder_, file.base_) = SplitPath(file.path_);
  file.folder_fd_ = UniqueFd(open(file.folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!file.folder_fd_.valid()) return ErrnoError(errno, "opening the folder " + file.folder_);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + options.lock_wait;
  bool told = false;
  const std::function<void()> on_wait = [&] {
    if (!told && options.on_lock_wait) options.on_lock_wait();
    told = true;
  };
  while (true) {
    Result<UniqueFd> fd = OpenIn(file.folder_fd_.get(), file.base_, file.path_);
    if (!fd.ok()) return fd.error();
    file.file_fd_ = *std::move(fd);
    if (!options.lock) return file;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(deadline - Clock::now(), Clock::duration::zero()));
    Result<void> locked = LockOpenFile(file.file_fd_, file.path_, left, on_wait);
    if (!locked.ok() && locked.error().code == Errc::kLockHeld) {
      return PlatformError(Errc::kLockHeld, file.path_ + " is locked by another process (waited " +
                                                std::to_string(options.lock_wait.count()) + " ms)");
    }
    if (!locked.ok()) return locked.error();
    // Renamed over while we waited: the lock is on a file the path no longer names.
    if (StillNames(file.folder_fd_.get(), file.base_, file.file_fd_.get())) return file;
  }
}

Result<std::string> EditableFile::Read(std::size_t max_bytes) const {
  struct stat st;
  if (fstat(file_fd_.get(), &st) != 0) return ErrnoError(errno, "inspecting " + path_);
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return PlatformError(Errc::kTooLarge, path_ + " is " + std::to_string(st.st_size) +
                                              " bytes, more than the " + std::to_string(max_bytes) +
                                              "-byte limit");
  }
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = pread(file_fd_.get(), buffer, sizeof(buffer), static_cast<off_t>(out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading " + path_);
    if (n == 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      return PlatformError(Errc::kTooLarge, path_ + " grew past the " + std::to_string(max_bytes) +
                                                "-byte limit while being read");
    }
  }
}

Result<std::string> EditableFile::WhoElseCanReplace() const {
  const uid_t me = geteuid();
  const auto trusted = [me](uid_t uid) { return uid == 0 || uid == me; };
  struct stat entry, folder;
  if (fstat(file_fd_.get(), &entry) != 0) return ErrnoError(errno, "inspecting " + path_);
  if (fstat(folder_fd_.get(), &folder) != 0) return ErrnoError(errno, "inspecting " + folder_);
  std::string entry_path = path_, folder_path = folder_;
  while (true) {
    if (!trusted(folder.st_uid)) {
      return "the folder " + folder_path + " is owned by uid " + std::to_string(folder.st_uid) +
             " (neither root nor this agent's user)";
    }
    if ((folder.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      const std::string who = (folder.st_mode & S_IWOTH) != 0 ? "others" : "its group";
      if ((folder.st_mode & S_ISVTX) == 0) {
        return "the folder " + folder_path + " is writable by " + who + " (mode " +
               OctalMode(folder.st_mode) + ", no sticky bit)";
      }
      if (!trusted(entry.st_uid)) {
        return "the folder " + folder_path + " is writable by " + who + " (mode " +
               OctalMode(folder.st_mode) + ") and " + entry_path + " in it is owned by uid " +
               std::to_string(entry.st_uid) + " (neither root nor this agent's user)";
      }
    }
    if (folder_path == "/") return std::string();
    entry = folder;
    entry_path = folder_path;
    folder_path = SplitPath(folder_path).first;
    if (lstat(folder_path.c_str(), &folder) != 0) {
      return ErrnoError(errno, "inspecting " + folder_path);
    }
  }
}

Result<bool> EditableFile::Replace(std::string_view bytes, const ReplaceOptions& options) const {
  struct stat st;
  if (fstat(file_fd_.get(), &st) != 0) return ErrnoError(errno, "inspecting " + path_);
  const int dir_fd = folder_fd_.get(), file_fd = file_fd_.get();
  const std::string& base = base_;
  return WriteAndRename(dir_fd, folder_, base_, bytes, OwnershipOf(st), options,
                        [dir_fd, file_fd, &base] { return StillNames(dir_fd, base, file_fd); });
}

Result<std::vector<std::string>> EditableFile::RemoveStaleTempFiles() const {
  return RemoveTempsIn(folder_fd_.get(), folder_, base_);
}

}  // namespace osfleet::platform

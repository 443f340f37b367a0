#include "common/platform/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/platform/owner_only.h"
#include "common/platform/posix/errno_error.h"
#include "common/platform/unique_fd.h"

namespace osfleet::platform {
namespace {

using posix::ErrnoError;
using posix::PlatformError;

Result<std::string> ReadAll(int fd, const std::string& path, std::size_t max_bytes) {
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading " + path);
    if (n == 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      return PlatformError(Errc::kTooLarge, path + " grew past the " + std::to_string(max_bytes) +
                                                "-byte limit while being read");
    }
  }
}

// A regular file opened to read, and its size then.
struct OpenedFile {
  UniqueFd fd;
  std::uint64_t size = 0;
};

Result<OpenedFile> OpenRegularFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang; it is refused below.
  OpenedFile file{UniqueFd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK))};
  if (!file.fd.valid()) return ErrnoError(errno, "opening " + path);
  struct stat st;
  if (fstat(file.fd.get(), &st) != 0) return ErrnoError(errno, "inspecting " + path);
  if (!S_ISREG(st.st_mode)) {
    return PlatformError(Errc::kNotRegularFile, path + " is not a regular file");
  }
  file.size = static_cast<std::uint64_t>(st.st_size);
  return file;
}

}  // namespace

Result<std::string> ReadFileCapped(const std::string& path, std::size_t max_bytes) {
  Result<OpenedFile> file = OpenRegularFile(path);
  if (!file.ok()) return file.error();
  if (file->size > max_bytes) {
    return PlatformError(Errc::kTooLarge, path + " is " + std::to_string(file->size) +
                                              " bytes, more than the " + std::to_string(max_bytes) +
                                              "-byte limit");
  }
  return ReadAll(file->fd.get(), path, max_bytes);
}

Result<FileTail> ReadFileTail(const std::string& path, std::uint64_t from, std::size_t max_bytes) {
  Result<OpenedFile> file = OpenRegularFile(path);
  if (!file.ok()) return file.error();
  const UniqueFd& fd = file->fd;
  FileTail tail;
  tail.size = file->size;
  const std::uint64_t last = tail.size > max_bytes ? tail.size - max_bytes : 0;
  tail.offset = from > tail.size ? last : std::max(from, last);
  tail.bytes.resize(static_cast<std::size_t>(tail.size - tail.offset));
  std::size_t done = 0;
  while (done < tail.bytes.size()) {
    const ssize_t n = pread(fd.get(), &tail.bytes[done], tail.bytes.size() - done,
                            static_cast<off_t>(tail.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "reading " + path);
    if (n == 0) break;  // cut short while being read
    done += static_cast<std::size_t>(n);
  }
  tail.bytes.resize(done);
  return tail;
}

Result<PathKind> KindOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoError(errno, "inspecting " + path);
  if (S_ISREG(st.st_mode)) return PathKind::kFile;
  if (S_ISDIR(st.st_mode)) return PathKind::kFolder;
  return PathKind::kOther;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

Result<void> MakeDirs(const std::string& path, FileMode mode) {
  for (std::size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return ErrnoError(errno, "cannot create " + prefix);
    }
  }
  return {};
}

Result<void> MakeDir(const std::string& path, FileMode mode) {
  if (mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
    return ErrnoError(errno, "creating the folder " + path);
  }
  return {};
}

Result<void> MakePrivateDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 || chmod(path.c_str(), 0700) != 0) {
    return ErrnoError(errno, "creating " + path);
  }
  return {};
}

Result<void> SetFileMode(const std::string& path, FileMode mode) {
  if (chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    return ErrnoError(errno, "setting the mode of " + path);
  }
  return {};
}

Result<void> RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError(errno, "removing " + path);
  return {};
}

Result<std::vector<std::string>> ListFolder(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return ErrnoError(errno, "listing " + path);
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  return names;
}

std::string MakePrivateCommand(const std::string& path) { return "chmod 600 " + path; }

std::string RestrictWritersAdvice() {
  return "let only root or the agent's user write there (chmod go-w, chown root)";
}

Result<bool> SecretFileIsPrivate(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoError(errno, "inspecting " + path);
  return (st.st_mode & S_IROTH) == 0;
}

Result<std::string> OwnerOnlyProblem(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoError(errno, "inspecting " + path);
  const uid_t me = geteuid();
  if (st.st_uid != me) {
    return "it belongs to uid " + std::to_string(st.st_uid) + ", not to this user (uid " +
           std::to_string(me) + ")";
  }
  constexpr mode_t kOthers = S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH;
  if ((st.st_mode & kOthers) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("mode ") + mode + ": its group or others may read or write it";
  }
  return std::string();
}

std::string MakeOwnerOnlyCommand(const std::string& path, bool folder) {
  return (folder ? "chmod 700 " : "chmod 600 ") + path;
}

Result<void> CheckAccess(const std::string& path, Access access) {
  const int mode = access == Access::kRead ? R_OK : access == Access::kWrite ? W_OK : X_OK;
  if (::access(path.c_str(), mode) != 0) return ErrnoError(errno, path);
  return {};
}

Result<std::uint64_t> AvailableBytes(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) {
    return ErrnoError(errno, "inspecting the free space of " + path);
  }
  // f_bavail: the blocks an unprivileged writer may still use (the root reserve left out).
  return std::uint64_t{fs.f_bavail} * std::uint64_t{fs.f_frsize};
}

}  // namespace osfleet::platform

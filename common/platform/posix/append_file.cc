#include "common/platform/append_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "common/platform/posix/errno_error.h"

namespace osfleet::platform {
namespace {

using posix::ErrnoError;

Result<void> WriteAll(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "write");
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Whether the file's last byte is not a newline (an empty file needs none).
bool EndsMidLine(int fd, off_t size) {
  if (size <= 0) return false;
  char last = '\n';
  return ::pread(fd, &last, 1, size - 1) == 1 && last != '\n';
}

}  // namespace

Result<void> AppendDurably(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(errno, "open");
  Result<void> result = WriteAll(fd, bytes);
  if (result.ok() && ::fsync(fd) != 0) result = ErrnoError(errno, "fsync");
  if (::close(fd) != 0 && result.ok()) result = ErrnoError(errno, "close");
  return result;
}

Result<void> AppendOnlyFile::EnsureOpen() {
  struct stat at_path {};
  struct stat open_file {};
  if (fd_.valid() && ::stat(path_.c_str(), &at_path) == 0 && ::fstat(fd_.get(), &open_file) == 0 &&
      at_path.st_ino == open_file.st_ino && at_path.st_dev == open_file.st_dev) {
    return {};
  }
  // O_RDWR: the last byte is read back to find a line cut by a crash.
  UniqueFd fd(::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoError(errno, "open");
  if (::fstat(fd.get(), &open_file) != 0) return ErrnoError(errno, "fstat");
  if (!S_ISREG(open_file.st_mode)) return ErrnoError(EINVAL, "open (not a regular file)");
  needs_newline_ = EndsMidLine(fd.get(), open_file.st_size);
  fd_ = std::move(fd);
  return {};
}

Result<void> AppendOnlyFile::Reserve(std::uint64_t bytes) {
  if (Result<void> open = EnsureOpen(); !open.ok()) return open;
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return ErrnoError(errno, "fstat");
  if (::fallocate(fd_.get(), FALLOC_FL_KEEP_SIZE, st.st_size, static_cast<off_t>(bytes)) == 0) {
    return {};
  }
  if (errno != EOPNOTSUPP && errno != ENOSYS) return ErrnoError(errno, "fallocate");
  // No allocation ahead on this file system: as much free space is the best check left.
  struct statvfs fs {};
  if (::fstatvfs(fd_.get(), &fs) != 0) return ErrnoError(errno, "statvfs");
  const std::uint64_t available = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (available < bytes) return ErrnoError(ENOSPC, "statvfs");
  return {};
}

Result<void> AppendOnlyFile::Append(std::string_view bytes) {
  if (Result<void> open = EnsureOpen(); !open.ok()) return open;
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return ErrnoError(errno, "fstat");
  std::string line;
  if (needs_newline_) {
    line = "\n";
    line.append(bytes);
    bytes = line;
  }
  Result<void> written = WriteAll(fd_.get(), bytes);
  if (!written.ok()) {
    // Cut back what part of the line was written; the file stays whole lines.
    if (::ftruncate(fd_.get(), st.st_size) != 0) {
      needs_newline_ = true;
      return ErrnoError(errno, "truncate");
    }
    ::fsync(fd_.get());
    return written;
  }
  needs_newline_ = false;
  if (::fsync(fd_.get()) != 0) return ErrnoError(errno, "fsync");
  return {};
}

}  // namespace osfleet::platform

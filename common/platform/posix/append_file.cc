#include "common/platform/append_file.h"

#include <fcntl.h>
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

}  // namespace

Result<void> AppendDurably(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(errno, "open");
  Result<void> result = WriteAll(fd, bytes);
  if (result.ok() && ::fsync(fd) != 0) result = ErrnoError(errno, "fsync");
  if (::close(fd) != 0 && result.ok()) result = ErrnoError(errno, "close");
  return result;
}

}  // namespace osfleet::platform

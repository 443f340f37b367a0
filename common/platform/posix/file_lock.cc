#include "common/platform/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <utility>

#include "common/platform/posix/errno_error.h"

namespace osfleet::platform {

Result<FileLock> FileLock::Acquire(const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return posix::ErrnoError(errno, "opening " + path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return posix::PlatformError(Errc::kLockHeld, path + " is locked");
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : handle_(std::exchange(other.handle_, kNone)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    Release();
    handle_ = std::exchange(other.handle_, kNone);
  }
  return *this;
}

FileLock::~FileLock() { Release(); }

void FileLock::Release() {
  if (handle_ != kNone) close(static_cast<int>(handle_));
  handle_ = kNone;
}

Result<void> LockOpenFile(const UniqueFd& file, const std::string& what,
                          std::chrono::milliseconds wait, const std::function<void()>& on_wait) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + wait;
  std::chrono::milliseconds pause(1);
  bool told = false;
  while (true) {
    if (flock(file.get(), LOCK_EX | LOCK_NB) == 0) return {};
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return posix::ErrnoError(errno, "locking " + what);
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return posix::PlatformError(Errc::kLockHeld, what + " is locked by another process (waited " +
                                                       std::to_string(wait.count()) + " ms)");
    }
    if (!told && on_wait) on_wait();
    told = true;
    // flock cannot wait with a timeout: poll, 1 ms at first, then up to 20 ms apart.
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace osfleet::platform

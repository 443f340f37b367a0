#include "common/platform/file_lock.h"

#include <io.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "common/platform/windows/security.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

// LockFileEx locks are mandatory: a locked byte cannot be read through another handle.
// Locking one byte far beyond any real end of file leaves the content readable (the
// OutSystems services read server.hsconf while we hold its lock) and still excludes every
// other locker, in this process or another.
constexpr DWORD kLockOffsetHigh = 0x40000000;  // byte 2^62

// ERROR_LOCK_VIOLATION when someone else holds it.
bool TryLock(HANDLE file) {
  OVERLAPPED where{};
  where.OffsetHigh = kLockOffsetHigh;
  return LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &where) !=
         0;
}

}  // namespace

Result<FileLock> FileLock::Acquire(const std::string& path) {
  win::UniqueHandle file(CreateFileW(win::Wide(path).c_str(), GENERIC_READ | GENERIC_WRITE,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                     win::PrivateAttributes(), OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                                     nullptr));
  if (!file.valid()) return win::LastError("opening " + path);
  if (!TryLock(file.get())) {
    const DWORD error = GetLastError();
    if (error != ERROR_LOCK_VIOLATION && error != ERROR_IO_PENDING) {
      return win::WinError(error, "locking " + path);
    }
    return win::PlatformError(Errc::kLockHeld, path + " is locked");
  }
  return FileLock(reinterpret_cast<std::intptr_t>(file.Release()));
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
  // Closing the handle releases its locks.
  if (handle_ != kNone) CloseHandle(reinterpret_cast<HANDLE>(handle_));
  handle_ = kNone;
}

Result<void> LockOpenFile(const UniqueFd& file, const std::string& what,
                          std::chrono::milliseconds wait, const std::function<void()>& on_wait) {
  using Clock = std::chrono::steady_clock;
  const HANDLE handle = reinterpret_cast<HANDLE>(_get_osfhandle(file.get()));
  if (handle == INVALID_HANDLE_VALUE) return win::WinError(ERROR_INVALID_HANDLE, "locking " + what);
  const Clock::time_point deadline = Clock::now() + wait;
  std::chrono::milliseconds pause(1);
  bool told = false;
  while (true) {
    if (TryLock(handle)) return {};
    const DWORD error = GetLastError();
    if (error != ERROR_LOCK_VIOLATION && error != ERROR_IO_PENDING) {
      return win::WinError(error, "locking " + what);
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return win::PlatformError(Errc::kLockHeld, what + " is locked by another process (waited " +
                                                     std::to_string(wait.count()) + " ms)");
    }
    if (!told && on_wait) on_wait();
    told = true;
    // A waiting LockFileEx has no timeout of its own: poll, 1 ms at first, then 20 ms apart.
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace osfleet::platform

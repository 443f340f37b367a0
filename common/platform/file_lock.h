// Exclusive advisory locks. FileLock: on a file, held for as long as the FileLock lives (or
// the process does): the agent locks its state dir with it so that two agents never share
// one. LockOpenFile: on a file the platform code has open (EditableFile locks
// server.hsconf across its read-compare-write, so that two agents on one file take turns).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/platform/result.h"
#include "common/platform/unique_fd.h"

namespace osfleet::platform {

class FileLock {
 public:
  // Creates path (mode 0600) when missing and locks it without waiting. Errors:
  // Errc::kLockHeld "PATH is locked" when another process or another FileLock holds it;
  // the OS's ("opening PATH") otherwise.
  static Result<FileLock> Acquire(const std::string& path);

  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // releases the lock

  bool held() const { return handle_ != kNone; }

 private:
  static constexpr std::intptr_t kNone = -1;
  explicit FileLock(std::intptr_t handle) : handle_(handle) {}
  void Release();

  std::intptr_t handle_ = kNone;  // a descriptor (POSIX) or a HANDLE (Windows)
};

// Platform code only (callers of the platform API never see a descriptor): takes an
// exclusive advisory lock on `file`, released when it is closed. While another process
// holds it, calls on_wait (may be empty) once and tries again until `wait` has passed:
// then Errc::kLockHeld "WHAT is locked by another process (waited N ms)".
Result<void> LockOpenFile(const UniqueFd& file, const std::string& what,
                          std::chrono::milliseconds wait, const std::function<void()>& on_wait);

}  // namespace osfleet::platform

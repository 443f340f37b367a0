// An exclusive lock on a file, held for as long as the FileLock lives (or the process
// does): the agent locks its state dir with it so that two agents never share one.
#pragma once

#include <cstdint>
#include <string>

#include "common/platform/result.h"

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

}  // namespace osfleet::platform

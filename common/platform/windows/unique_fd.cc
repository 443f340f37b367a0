#include "common/platform/unique_fd.h"

#include <io.h>

namespace osfleet::platform {

// On Windows a UniqueFd holds a C runtime descriptor (_open_osfhandle over a HANDLE);
// _close closes the HANDLE too.
UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) _close(fd_);
  fd_ = -1;
}

int UniqueFd::Close() { return _close(Release()); }

}  // namespace osfleet::platform

#include "common/platform/move_file.h"

#include <unistd.h>

#include <cerrno>

#include "common/platform/posix/errno_error.h"

namespace osfleet::platform {

Result<void> MoveFileNoReplace(const std::string& from, const std::string& to) {
  const std::string what = "moving " + from + " to " + to;
  // link() fails with EEXIST rather than replace: rename() would overwrite.
  if (link(from.c_str(), to.c_str()) != 0) return posix::ErrnoError(errno, what);
  if (unlink(from.c_str()) != 0) {
    const int error = errno;
    unlink(to.c_str());  // leave the file where it was, once
    return posix::ErrnoError(error, what);
  }
  return {};
}

}  // namespace osfleet::platform

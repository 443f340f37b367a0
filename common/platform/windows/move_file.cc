#include "common/platform/move_file.h"

#include "common/platform/windows/win32.h"

namespace osfleet::platform {

Result<void> MoveFileNoReplace(const std::string& from, const std::string& to) {
  // Without MOVEFILE_REPLACE_EXISTING an existing `to` fails the call (ERROR_ALREADY_EXISTS
  // or ERROR_FILE_EXISTS: std::errc::file_exists). Across volumes it copies, then deletes.
  if (!MoveFileExW(win::Wide(from).c_str(), win::Wide(to).c_str(),
                   MOVEFILE_COPY_ALLOWED | MOVEFILE_WRITE_THROUGH)) {
    return win::LastError("moving " + from + " to " + to);
  }
  return {};
}

}  // namespace osfleet::platform

// Moving a file to a name that must not exist yet (the one-time move of old rollout
// journals: a journal of the same name in the new place is never overwritten).
#pragma once

#include <string>

#include "common/platform/result.h"

namespace osfleet::platform {

// Moves the file `from` to `to`, which must not exist; the file keeps its content, owner
// and permissions. Nothing is moved, and the error's code is std::errc::file_exists, when
// something is at `to` (checked by the OS in the same step: no race with another mover).
// POSIX: a hard link, then the old name removed (same file system only). Windows:
// MoveFileExW without MOVEFILE_REPLACE_EXISTING, copying across volumes.
// Error: "moving FROM to TO".
Result<void> MoveFileNoReplace(const std::string& from, const std::string& to);

}  // namespace osfleet::platform

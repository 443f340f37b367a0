// Crash-safe replacement of a file: a crash at any point leaves either the old or the new
// file at the path, never a mix.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/platform/files.h"
#include "common/platform/result.h"

namespace osfleet::platform {

// The points of ReplaceFileAtomically, in order; tests stop a process at each one.
enum class ReplaceStep { kTempCreated, kTempWritten, kTempSynced, kRenamed, kDirSynced };

struct ReplaceOptions {
  // Called after each step (tests use it to crash there). May be empty.
  std::function<void(ReplaceStep)> after_step;
  // Mode for a file that does not exist yet (applied exactly; the umask does not apply);
  // an existing file keeps its own mode and owner. A symlink's target is replaced.
  FileMode new_file_mode = 0644;
};

// Writes bytes to a temp file in the same folder, syncs it, gives it the old file's mode
// and owner, renames it over path and syncs the folder. On any failure the temp file is
// removed and path is untouched. Errors: the OS's, naming the step ("writing
// /x/.server.hsconf.tmp-AbC"); Errc::kNotRegularFile "PATH is not a regular file".
Result<void> ReplaceFileAtomically(const std::string& path, std::string_view bytes,
                                   const ReplaceOptions& options = {});

}  // namespace osfleet::platform

// Crash-safe file replacement and capped reads, as absl::Status (common/platform/
// atomic_replace.h and files.h do the work). A crash at any point leaves either the old
// or the new file at the path, never a mix.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/platform/atomic_replace.h"
#include "common/platform/files.h"

namespace osfleet {

// Reads a regular file of at most max_bytes. NOT_FOUND if missing; FAILED_PRECONDITION if
// not a regular file or larger than max_bytes; PERMISSION_DENIED; the message names the
// path.
absl::StatusOr<std::string> ReadFileCapped(const std::string& path, size_t max_bytes);

// mkdir -p: creates path and its missing parents with `mode`. FAILED_PRECONDITION
// "cannot create PREFIX: reason" naming the first folder that could not be made.
absl::Status MakeDirs(const std::string& path, platform::FileMode mode);

// The points of WriteFileAtomically, in order; tests stop a process at each one.
using WriteStep = platform::ReplaceStep;

// after_step (called after each step; tests crash there) and new_file_mode (for a file
// that does not exist yet, applied exactly; an existing file keeps its mode and owner).
using AtomicWriteOptions = platform::ReplaceOptions;

// Writes bytes to a temp file in the same folder, fsyncs it, gives it the old file's
// mode and owner, renames it over path and fsyncs the folder. On any failure the temp
// file is removed and path is untouched; the status names the step and the OS's reason
// (e.g. "writing /x/.server.hsconf.tmp-AbC: No space left on device").
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes,
                                 const AtomicWriteOptions& options = {});

}  // namespace osfleet

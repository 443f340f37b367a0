// Crash-safe file replacement and capped reads, as absl::Status (common/platform/
// atomic_replace.h and files.h do the work). A crash at any point leaves either the old
// or the new file at the path, never a mix.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
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
// (e.g. "writing /x/.server.hsconf.tmp-AbC123: No space left on device").
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes,
                                 const AtomicWriteOptions& options = {});

// Removes the temp files of WriteFileAtomically (".NAME.tmp-XXXXXX", any NAME) that a
// killed process left in `folder`, a folder only this process writes (the state dir).
// Returns the paths removed.
absl::StatusOr<std::vector<std::string>> RemoveStaleTempFiles(const std::string& folder);

// A file read, compared and replaced as one operation (server.hsconf): opened once, its
// links resolved once, never looked up by name again (see platform::EditableFile).
class EditableFile {
 public:
  struct Options {
    bool lock = false;  // an exclusive advisory lock, held while this object lives
    absl::Duration lock_wait = absl::ZeroDuration();
    std::function<void()> on_lock_wait;  // once, when another process holds the lock
  };
  // NOT_FOUND; FAILED_PRECONDITION for what is not a regular file; ABORTED "PATH is
  // locked by another process (waited N ms)" when the lock did not come in time.
  static absl::StatusOr<EditableFile> Open(const std::string& path, const Options& options);

  const std::string& path() const { return file_.path(); }  // links resolved
  absl::StatusOr<std::string> Read(size_t max_bytes) const;
  // FAILED_PRECONDITION "refusing to change PATH: the folder /x is writable by others
  // (mode 0777, no sticky bit); ..." when anyone but root or this process's user could
  // replace the file.
  absl::Status CheckOnlyWeCanReplace() const;
  // ABORTED "PATH was replaced while it was being changed ..." when the path no longer
  // names the opened file just before the rename; nothing is written then.
  absl::Status Replace(absl::string_view bytes, const AtomicWriteOptions& options = {}) const;
  absl::StatusOr<std::vector<std::string>> RemoveStaleTempFiles() const;

 private:
  explicit EditableFile(platform::EditableFile file) : file_(std::move(file)) {}
  platform::EditableFile file_;
};

}  // namespace osfleet

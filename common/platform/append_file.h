// Durable appends for the audit log.
//
// AppendOnlyFile keeps the file open (created private, 0600, O_APPEND), so that a process
// out of descriptors can still write it, and reopens it when the path names another file
// (rotated by renaming). Reserve() allocates room beyond the end in advance, so that the
// next lines cannot fail for a full disk; Append() writes a whole line or nothing: a
// partial write (disk full, quota) is cut back, so the file stays a sequence of whole lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/platform/result.h"
#include "common/platform/unique_fd.h"

namespace osfleet::platform {

// Appends bytes at the end of path, whatever other appenders wrote in between, then syncs.
// The Error's `what` is the step alone: "open", "write", "fsync" or "close".
Result<void> AppendDurably(const std::string& path, std::string_view bytes);

class AppendOnlyFile {
 public:
  explicit AppendOnlyFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // Makes sure the open file is the one at path (opening or creating it the first time and
  // after a rotation) and that `bytes` past its end are allocated. Where the file system
  // cannot allocate ahead (no fallocate), checks that as much space is free. Errors: `what`
  // "open", "fallocate" or "statvfs" with the OS's code (ENOSPC, EMFILE, EDQUOT, ...).
  Result<void> Reserve(std::uint64_t bytes);
  // Appends bytes (opening the file if needed), then syncs. On a failed or partial write
  // the file is cut back to its size before (Error `what` "write"; "truncate" if even that
  // failed, and then the next Append starts on a new line). A file that does not end with
  // a newline (cut by a crash) gets one first.
  Result<void> Append(std::string_view bytes);

 private:
  Result<void> EnsureOpen();

  std::string path_;
  UniqueFd fd_;
  bool needs_newline_ = false;
};

}  // namespace osfleet::platform

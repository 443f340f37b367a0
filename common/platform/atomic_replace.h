// Crash-safe replacement of a file: a crash at any point leaves either the old or the new
// file at the path, never a mix. EditableFile does it for a file that is read, compared
// and replaced (server.hsconf) without ever being looked up by name again.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/platform/files.h"
#include "common/platform/result.h"
#include "common/platform/unique_fd.h"

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
// /x/.server.hsconf.tmp-AbC123"); Errc::kNotRegularFile "PATH is not a regular file".
// Temp files are named ".BASE.tmp-XXXXXX" (six letters or digits) and created with
// O_EXCL|O_NOFOLLOW and the final mode before anything is written to them.
Result<void> ReplaceFileAtomically(const std::string& path, std::string_view bytes,
                                   const ReplaceOptions& options = {});

// Whether `name` is a temp file the functions here make for a file named `base`
// (".BASE.tmp-XXXXXX"); any base when `base` is empty.
bool IsReplaceTempName(std::string_view name, std::string_view base = {});

// Removes the temp files a process killed in the middle of a replace leaves in `folder`
// (IsReplaceTempName(name, base); regular files only: a link or folder of that name is
// left alone). Only for a folder no other process is replacing files in. Returns the
// paths removed; a missing folder is not an error. Error: "listing PATH" / "removing PATH".
Result<std::vector<std::string>> RemoveStaleTempFiles(const std::string& folder,
                                                      std::string_view base = {});

// An existing regular file opened once, for a read-compare-replace that must act on the
// file it read and on nothing else: the path's symbolic links are resolved once, here;
// its folder is opened and the file opened in it without following a link (O_NOFOLLOW);
// everything after that goes through those two handles, so a name swapped later (a link
// to another file, another folder) is never followed.
class EditableFile {
 public:
  struct Options {
    // Take an exclusive advisory lock (flock) on the file, held while this object lives;
    // other processes that lock it (another osagent) wait. A file renamed over while we
    // waited is opened and locked again, so the lock is always on the file the path names.
    bool lock = false;
    std::chrono::milliseconds lock_wait{0};  // then Errc::kLockHeld
    // Called once when the lock is held by another process and we start waiting.
    std::function<void()> on_lock_wait;
  };

  // Errors: the OS's ("opening PATH"; NotFound() when there is no file);
  // Errc::kNotRegularFile "PATH is not a regular file" (also a link swapped in after the
  // links were resolved); Errc::kLockHeld "PATH is locked by another process (waited N
  // ms)".
  static Result<EditableFile> Open(const std::string& path, const Options& options);

  EditableFile(EditableFile&&) noexcept = default;
  EditableFile& operator=(EditableFile&&) noexcept = default;

  // The path with its links resolved: what is read and replaced.
  const std::string& path() const { return path_; }
  const std::string& folder() const { return folder_; }

  // The whole file as it is now, at most max_bytes (Errc::kTooLarge "PATH is N bytes,
  // more than the M-byte limit").
  Result<std::string> Read(std::size_t max_bytes) const;

  // Empty when only root and this process's user can replace the file; otherwise why
  // someone else can: "the folder /x is writable by others (mode 0777, no sticky bit)",
  // "the folder /x is owned by uid 1000 (not root nor this agent's user)". Checks the
  // file's folder and every folder above it: each must be owned by root or our user and
  // be writable by no one else, except a sticky folder (like /tmp) whose entry on the
  // path (the next folder, or the file) is owned by root or our user.
  Result<std::string> WhoElseCanReplace() const;

  // Replaces the file's content as ReplaceFileAtomically does (temp file in the folder,
  // the file's own mode and owner, fsync, rename, fsync the folder), unless the path no
  // longer names the opened file just before the rename: then nothing is written and the
  // result is false. On Windows, which cannot rename over an open file, the file's handle
  // (and its lock) is closed just before the rename: call nothing else on it afterwards.
  Result<bool> Replace(std::string_view bytes, const ReplaceOptions& options = {}) const;

  // RemoveStaleTempFiles for this file's temp files in its folder (call it holding the
  // lock: another process replacing the file holds it while its temp file exists).
  Result<std::vector<std::string>> RemoveStaleTempFiles() const;

 private:
  EditableFile() = default;

  std::string path_, folder_, base_;
  UniqueFd folder_fd_;
  // Windows: Replace closes it when the file system cannot rename over an open file.
  mutable UniqueFd file_fd_;
};

}  // namespace osfleet::platform

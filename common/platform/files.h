// Files and folders in the callers' words: capped reads, folders (private ones too),
// listings, removal, permissions and the check that a secret file is private. Paths are
// UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform {

// Permission bits as POSIX writes them (0600, 0644, 0700). On Windows a mode without group
// and other bits means "private": only the agent's account, SYSTEM and Administrators.
using FileMode = std::uint32_t;

// Reads a regular file of at most max_bytes, without blocking on a FIFO. Errors: the OS's
// ("opening PATH", "inspecting PATH", "reading PATH"); Errc::kNotRegularFile "PATH is not a
// regular file"; Errc::kTooLarge "PATH is N bytes, more than the M-byte limit".
Result<std::string> ReadFileCapped(const std::string& path, std::size_t max_bytes);

// The end of a regular file: its bytes from max(from, size - max_bytes) on, and its size now
// (a log followed while it grows). `from` past the end (a file rewritten since) reads from
// size - max_bytes. Errors as ReadFileCapped's, without kTooLarge.
struct FileTail {
  std::string bytes;
  std::uint64_t offset = 0;  // where `bytes` starts in the file
  std::uint64_t size = 0;
};
Result<FileTail> ReadFileTail(const std::string& path, std::uint64_t from, std::size_t max_bytes);

enum class PathKind { kFile, kFolder, kOther };

// What is at path, following symbolic links. The OS's error ("inspecting PATH") when
// nothing is there or it cannot be looked at.
Result<PathKind> KindOf(const std::string& path);

// Whether anything is at path, a dangling symbolic link included.
bool PathExists(const std::string& path);

// mkdir -p: creates path and its missing parents with `mode` (the umask applies). The error
// names the first folder that could not be made: "cannot create PREFIX".
Result<void> MakeDirs(const std::string& path, FileMode mode);

// Creates one folder with `mode` (the umask applies); one that exists already is fine.
// Error: "creating the folder PATH".
Result<void> MakeDir(const std::string& path, FileMode mode);

// Creates one folder that only its owner may use (0700 whatever the umask). Fails when
// path exists. Error: "creating PATH".
Result<void> MakePrivateDir(const std::string& path);

// Gives an existing file `mode`. Error: "setting the mode of PATH".
Result<void> SetFileMode(const std::string& path, FileMode mode);

// Removes a file; one that is not there is not an error. Error: "removing PATH".
Result<void> RemoveFile(const std::string& path);

// The names in a folder, "." and ".." left out, in no particular order. Error: "listing
// PATH" (NotFound() when the folder does not exist).
Result<std::vector<std::string>> ListFolder(const std::string& path);

// Whether a secret file (a private key, the Service Center credential) is kept from
// everyone: on POSIX no read permission for "others" (its group is the owner's choice); on
// Windows no one but the agent's account, SYSTEM and Administrators may read it. Follows
// symbolic links. Error: "inspecting PATH".
Result<bool> SecretFileIsPrivate(const std::string& path);

// The command an administrator runs to make path private in SecretFileIsPrivate's sense,
// for messages: "chmod 600 PATH" on POSIX, an icacls line on Windows.
std::string MakePrivateCommand(const std::string& path);

// What an administrator does so that only the agent's account and the administrators may
// write in a folder (for the refusal to change a file others could swap, which names the
// folder): POSIX chmod go-w and chown root; Windows the icacls steps.
std::string RestrictWritersAdvice();

enum class Access { kRead, kExecute, kWrite };

// Whether this process may read / run / write path (its real user's rights; for a folder,
// kWrite: create files in it). Only asks: nothing is opened for writing or written.
// Error: "PATH".
Result<void> CheckAccess(const std::string& path, Access access);

// The bytes this process may still write on the file system that holds the folder path
// (quotas and reserved blocks counted). Error: "inspecting the free space of PATH".
Result<std::uint64_t> AvailableBytes(const std::string& path);

}  // namespace osfleet::platform

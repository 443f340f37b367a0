#include "common/platform/atomic_replace.h"

#include <fcntl.h>
#include <io.h>

#include <algorithm>
#include <thread>
#include <tuple>
#include <utility>

#include "common/platform/file_lock.h"
#include "common/platform/replace_temp_name.h"
#include "common/platform/windows/file_identity.h"
#include "common/platform/windows/security.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

using win::LastError;
using win::PlatformError;
using win::UniqueHandle;
using win::Wide;

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// How long the rename is retried while another program (an OutSystems service reading
// server.hsconf, an antivirus scanning it) holds the file open without FILE_SHARE_DELETE.
constexpr std::chrono::milliseconds kRenameRetryFor(5000);

void Notify(const ReplaceOptions& options, ReplaceStep step) {
  if (options.after_step) options.after_step(step);
}

HANDLE HandleOf(const UniqueFd& fd) { return reinterpret_cast<HANDLE>(_get_osfhandle(fd.get())); }

// A HANDLE as a C runtime descriptor (the type EditableFile keeps); -1 on failure (the
// handle is then closed).
UniqueFd ToFd(UniqueHandle handle) {
  const int fd = _open_osfhandle(reinterpret_cast<std::intptr_t>(handle.get()), _O_BINARY);
  if (fd >= 0) handle.Release();
  return UniqueFd(fd);
}

// GetFinalPathNameByHandleW's "\\?\C:\x" and "\\?\UNC\server\share\x" as paths people
// write ("C:\x", "\\server\share\x").
std::string UserPath(std::wstring final_path) {
  if (final_path.rfind(L"\\\\?\\UNC\\", 0) == 0) {
    final_path = L"\\\\" + final_path.substr(8);
  } else if (final_path.rfind(L"\\\\?\\", 0) == 0) {
    final_path = final_path.substr(4);
  }
  return win::Utf8(final_path);
}

// Where path leads once every link and junction on it is followed. nullopt (GetLastError
// set) when nothing is there.
std::optional<std::string> FinalPath(const std::string& path) {
  UniqueHandle handle(CreateFileW(Wide(path).c_str(), 0, kShareAll, nullptr, OPEN_EXISTING,
                                  FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!handle.valid()) return std::nullopt;
  wchar_t buffer[32768];
  const DWORD n = GetFinalPathNameByHandleW(handle.get(), buffer, 32768, FILE_NAME_NORMALIZED);
  if (n == 0 || n >= 32768) return std::nullopt;
  return UserPath(std::wstring(buffer, n));
}

struct Temp {
  UniqueHandle handle;
  std::string path;
};

// A new temp file in the folder: CREATE_NEW (never an existing file or a link), with the
// replaced file's security descriptor (or private / inherited for a new file) before any
// byte is written to it.
Result<Temp> CreateTemp(const std::string& dir, const std::string& base, HANDLE security_from,
                        FileMode new_file_mode) {
  SECURITY_ATTRIBUTES* attributes =
      security_from == nullptr && (new_file_mode & 077) == 0 ? win::PrivateAttributes() : nullptr;
  for (int attempt = 0; attempt < 100; ++attempt) {
    Temp temp;
    const std::string name = NewReplaceTempName(base);
    temp.path = win::JoinPath(dir, name);
    temp.handle = UniqueHandle(
        CreateFileW(Wide(temp.path).c_str(), GENERIC_WRITE | READ_CONTROL | WRITE_DAC | WRITE_OWNER,
                    0, attributes, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!temp.handle.valid() && GetLastError() == ERROR_FILE_EXISTS) continue;
    if (!temp.handle.valid()) return LastError("creating a temp file in " + dir);
    if (security_from != nullptr) {
      if (Result<void> r = win::CopySecurity(security_from, temp.handle.get(), temp.path);
          !r.ok()) {
        temp.handle.Reset();
        DeleteFileW(Wide(temp.path).c_str());
        return r.error();
      }
    }
    return temp;
  }
  return win::WinError(ERROR_FILE_EXISTS, "creating a temp file in " + dir);
}

Result<void> WriteAll(HANDLE file, std::string_view bytes, const std::string& tmp) {
  while (!bytes.empty()) {
    DWORD n = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(bytes.size(), 1 << 30));
    if (!WriteFile(file, bytes.data(), chunk, &n, nullptr)) return LastError("writing " + tmp);
    bytes.remove_prefix(n);
  }
  return {};
}

// Fills, flushes and closes the temp file.
Result<void> FillTemp(Temp& temp, std::string_view bytes, const ReplaceOptions& options) {
  if (Result<void> r = WriteAll(temp.handle.get(), bytes, temp.path); !r.ok()) return r;
  Notify(options, ReplaceStep::kTempWritten);
  if (!FlushFileBuffers(temp.handle.get())) return LastError("syncing " + temp.path);
  Notify(options, ReplaceStep::kTempSynced);
  if (!CloseHandle(temp.handle.Release())) return LastError("closing " + temp.path);
  return {};
}

bool IsBusy(DWORD error) {
  return error == ERROR_SHARING_VIOLATION || error == ERROR_ACCESS_DENIED ||
         error == ERROR_LOCK_VIOLATION || error == ERROR_USER_MAPPED_FILE;
}

// MoveFileExW over the target, retried for a bounded time while someone holds the target
// open (Windows' classic rename semantics, and Wine's, refuse to replace an open file,
// even one opened with FILE_SHARE_DELETE).
Result<void> RenameOver(const std::string& temp, const std::string& target) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + kRenameRetryFor;
  std::chrono::milliseconds pause(1);
  bool retried = false;
  while (true) {
    if (MoveFileExW(Wide(temp).c_str(), Wide(target).c_str(),
                    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
      return {};
    }
    const DWORD error = GetLastError();
    if (!IsBusy(error) || Clock::now() >= deadline) {
      return win::WinError(
          error,
          "renaming " + temp + " over " + target +
              (retried ? " (still in use after " + std::to_string(kRenameRetryFor.count()) + " ms)"
                       : ""));
    }
    retried = true;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

// Temp file, then rename over dir\base unless still_ours() says the name no longer holds
// the file meant to be replaced (false: the temp file is removed and nothing changes).
// release() closes the caller's own handles on the target just before the rename.
Result<bool> WriteAndRename(const std::string& dir, const std::string& base, std::string_view bytes,
                            HANDLE security_from, FileMode new_file_mode,
                            const ReplaceOptions& options, const std::function<bool()>& still_ours,
                            const std::function<void()>& release) {
  Result<Temp> temp = CreateTemp(dir, base, security_from, new_file_mode);
  if (!temp.ok()) return temp.error();
  Notify(options, ReplaceStep::kTempCreated);
  const std::wstring temp_path = Wide(temp->path);
  if (Result<void> r = FillTemp(*temp, bytes, options); !r.ok()) {
    temp->handle.Reset();
    DeleteFileW(temp_path.c_str());
    return r.error();
  }
  if (still_ours && !still_ours()) {
    DeleteFileW(temp_path.c_str());
    return false;
  }
  if (release) release();
  if (Result<void> r = RenameOver(temp->path, win::JoinPath(dir, base)); !r.ok()) {
    DeleteFileW(temp_path.c_str());
    return r.error();
  }
  Notify(options, ReplaceStep::kRenamed);
  // MOVEFILE_WRITE_THROUGH returns once the rename is on disk: there is no folder to sync.
  Notify(options, ReplaceStep::kDirSynced);
  return true;
}

Result<std::vector<std::string>> RemoveTempsIn(const std::string& folder, std::string_view base) {
  WIN32_FIND_DATAW entry;
  HANDLE find = FindFirstFileW(Wide(win::JoinPath(folder, "*")).c_str(), &entry);
  if (find == INVALID_HANDLE_VALUE) {
    const DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
      return std::vector<std::string>();
    }
    return win::WinError(error, "listing " + folder);
  }
  std::vector<std::string> removed;
  Result<void> failed;
  do {
    const std::string name = win::Utf8(entry.cFileName);
    // Regular files only: a folder or a link (reparse point) of that name is left alone.
    if (!IsReplaceTempName(name, base) ||
        (entry.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)) != 0) {
      continue;
    }
    const std::string path = win::JoinPath(folder, name);
    if (DeleteFileW(Wide(path).c_str())) {
      removed.push_back(path);
    } else if (GetLastError() != ERROR_FILE_NOT_FOUND && failed.ok()) {
      failed = LastError("removing " + path);
    }
  } while (FindNextFileW(find, &entry));
  FindClose(find);
  if (!failed.ok()) return failed.error();
  return removed;
}

}  // namespace

Result<void> ReplaceFileAtomically(const std::string& path, std::string_view bytes,
                                   const ReplaceOptions& options) {
  // A link's target is replaced, not the link.
  const std::string resolved = FinalPath(path).value_or(path);
  const auto [dir, base] = win::SplitPath(resolved);
  UniqueHandle old(CreateFileW(Wide(resolved).c_str(), READ_CONTROL, kShareAll, nullptr,
                               OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!old.valid() && GetLastError() != ERROR_FILE_NOT_FOUND) {
    return LastError("inspecting " + resolved);
  }
  if (old.valid()) {
    const std::optional<win::FileIdentity> id = win::IdentityOf(old.get());
    if (!id) return LastError("inspecting " + resolved);
    if ((id->attributes & FILE_ATTRIBUTE_DIRECTORY) != 0 ||
        GetFileType(old.get()) != FILE_TYPE_DISK) {
      return PlatformError(Errc::kNotRegularFile, resolved + " is not a regular file");
    }
  }
  // The old file's descriptor is copied first; then our handle on it goes, so that it does
  // not keep the rename from replacing it.
  HANDLE security_from = old.valid() ? old.get() : nullptr;
  Result<bool> done = WriteAndRename(dir, base, bytes, security_from, options.new_file_mode,
                                     options, nullptr, [&old] { old.Reset(); });
  if (!done.ok()) return done.error();
  return {};
}

Result<std::vector<std::string>> RemoveStaleTempFiles(const std::string& folder,
                                                      std::string_view base) {
  return RemoveTempsIn(folder, base);
}

// ----- EditableFile ---------------------------------------------------------------------
//
// On Windows the folder handle is opened without FILE_SHARE_DELETE: while this object
// lives no one can rename or delete the folder, so the folder cannot be swapped at all.
// The file is opened without following a link (FILE_FLAG_OPEN_REPARSE_POINT) and with
// every sharing mode, so that the OutSystems services keep reading it and the rename can
// replace it.

namespace {

Result<UniqueFd> OpenIn(const std::string& folder, const std::string& base,
                        const std::string& path) {
  UniqueHandle file(CreateFileW(
      Wide(win::JoinPath(folder, base)).c_str(), GENERIC_READ | READ_CONTROL, kShareAll, nullptr,
      OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!file.valid()) return LastError("opening " + path);
  const std::optional<win::FileIdentity> id = win::IdentityOf(file.get());
  if (!id) return LastError("inspecting " + path);
  if ((id->attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    return PlatformError(Errc::kNotRegularFile,
                         path + " is not a regular file (a symbolic link appeared there)");
  }
  if ((id->attributes & FILE_ATTRIBUTE_DIRECTORY) != 0 ||
      GetFileType(file.get()) != FILE_TYPE_DISK) {
    return PlatformError(Errc::kNotRegularFile, path + " is not a regular file");
  }
  UniqueFd fd = ToFd(std::move(file));
  if (!fd.valid()) return win::WinError(ERROR_TOO_MANY_OPEN_FILES, "opening " + path);
  return fd;
}

// Whether folder\base still names the open file.
bool StillNames(const std::string& folder, const std::string& base, HANDLE file) {
  const std::optional<win::FileIdentity> named = win::IdentityAt(Wide(win::JoinPath(folder, base)));
  const std::optional<win::FileIdentity> open = win::IdentityOf(file);
  return named && open && *named == *open &&
         (named->attributes & FILE_ATTRIBUTE_REPARSE_POINT) == 0;
}

}  // namespace

Result<EditableFile> EditableFile::Open(const std::string& path, const Options& options) {
  std::optional<std::string> resolved = FinalPath(path);
  if (!resolved) return LastError("opening " + path);
  EditableFile file;
  file.path_ = *resolved;
  std::tie(file.folder_, file.base_) = win::SplitPath(file.path_);
  UniqueHandle folder(CreateFileW(Wide(file.folder_).c_str(), FILE_LIST_DIRECTORY | READ_CONTROL,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                                  FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!folder.valid()) return LastError("opening the folder " + file.folder_);
  file.folder_fd_ = ToFd(std::move(folder));
  if (!file.folder_fd_.valid()) {
    return win::WinError(ERROR_TOO_MANY_OPEN_FILES, "opening the folder " + file.folder_);
  }
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + options.lock_wait;
  bool told = false;
  const std::function<void()> on_wait = [&] {
    if (!told && options.on_lock_wait) options.on_lock_wait();
    told = true;
  };
  while (true) {
    Result<UniqueFd> fd = OpenIn(file.folder_, file.base_, file.path_);
    if (!fd.ok()) return fd.error();
    file.file_fd_ = *std::move(fd);
    if (!options.lock) return file;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(deadline - Clock::now(), Clock::duration::zero()));
    Result<void> locked = LockOpenFile(file.file_fd_, file.path_, left, on_wait);
    if (!locked.ok() && locked.error().code == Errc::kLockHeld) {
      return PlatformError(Errc::kLockHeld, file.path_ + " is locked by another process (waited " +
                                                std::to_string(options.lock_wait.count()) + " ms)");
    }
    if (!locked.ok()) return locked.error();
    // Renamed over while we waited: the lock is on a file the path no longer names.
    if (StillNames(file.folder_, file.base_, HandleOf(file.file_fd_))) return file;
  }
}

Result<std::string> EditableFile::Read(std::size_t max_bytes) const {
  const HANDLE file = HandleOf(file_fd_);
  const std::optional<win::FileIdentity> id = win::IdentityOf(file);
  if (!id) return LastError("inspecting " + path_);
  if (id->size > max_bytes) {
    return PlatformError(Errc::kTooLarge, path_ + " is " + std::to_string(id->size) +
                                              " bytes, more than the " + std::to_string(max_bytes) +
                                              "-byte limit");
  }
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    OVERLAPPED at{};  // a positioned read, like pread: the handle's offset does not matter
    at.Offset = static_cast<DWORD>(out.size() & 0xFFFFFFFF);
    at.OffsetHigh = static_cast<DWORD>(static_cast<std::uint64_t>(out.size()) >> 32);
    DWORD n = 0;
    if (!ReadFile(file, buffer, sizeof(buffer), &n, &at)) {
      if (GetLastError() == ERROR_HANDLE_EOF) return out;
      return LastError("reading " + path_);
    }
    if (n == 0) return out;
    out.append(buffer, n);
    if (out.size() > max_bytes) {
      return PlatformError(Errc::kTooLarge, path_ + " grew past the " + std::to_string(max_bytes) +
                                                "-byte limit while being read");
    }
  }
}

Result<std::string> EditableFile::WhoElseCanReplace() const {
  Result<std::string> who = win::UntrustedWriters(path_, false);
  if (!who.ok() || !who->empty()) {
    if (who.ok()) return path_ + ": " + *who;
    return who;
  }
  // The folder and every folder above it: whoever may rename an entry on the path may put
  // another file at it.
  std::string folder = folder_;
  while (true) {
    who = win::UntrustedWriters(folder, true);
    if (!who.ok()) return who;
    if (!who->empty()) return "the folder " + folder + ": " + *who;
    const std::string parent = win::SplitPath(folder).first;
    if (parent == folder || parent == "." || parent.empty()) return std::string();
    folder = parent;
  }
}

Result<bool> EditableFile::Replace(std::string_view bytes, const ReplaceOptions& options) const {
  const HANDLE file = HandleOf(file_fd_);
  const std::string& folder = folder_;
  const std::string& base = base_;
  // Windows will not rename over a file that has open handles, ours included: ours goes
  // (and the lock with it) once the temp file is complete and the path was checked to
  // still name the file read — as on POSIX, right before the rename. The folder stays
  // open (and so cannot be renamed). A Replace is the last call on this object.
  UniqueFd& own = file_fd_;
  return WriteAndRename(
      folder_, base_, bytes, file, options.new_file_mode, options,
      [&folder, &base, file] { return StillNames(folder, base, file); }, [&own] { own.Reset(); });
}

Result<std::vector<std::string>> EditableFile::RemoveStaleTempFiles() const {
  return RemoveTempsIn(folder_, base_);
}

}  // namespace osfleet::platform

#include "common/platform/files.h"

#include "common/platform/owner_only.h"
#include "common/platform/windows/security.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

using win::LastError;
using win::PlatformError;
using win::UniqueHandle;
using win::Wide;

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// Private: no group or other bits (0700, 0600), as files.h says.
bool IsPrivateMode(FileMode mode) { return (mode & 077) == 0; }

// Opens what is at path for reading its attributes (a folder too), following links.
UniqueHandle OpenForInspection(const std::string& path, DWORD access) {
  return UniqueHandle(CreateFileW(Wide(path).c_str(), access, kShareAll, nullptr, OPEN_EXISTING,
                                  FILE_FLAG_BACKUP_SEMANTICS, nullptr));
}

Result<std::string> ReadAll(HANDLE file, const std::string& path, std::size_t max_bytes) {
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    DWORD n = 0;
    if (!ReadFile(file, buffer, sizeof(buffer), &n, nullptr)) return LastError("reading " + path);
    if (n == 0) return out;
    out.append(buffer, n);
    if (out.size() > max_bytes) {
      return PlatformError(Errc::kTooLarge, path + " grew past the " + std::to_string(max_bytes) +
                                                "-byte limit while being read");
    }
  }
}

// The folders path is made of, shortest first, without the root: "C:\a\b" -> "C:\a",
// "C:\a\b"; "\\server\share\a" -> "\\server\share\a".
std::vector<std::string> Prefixes(const std::string& path) {
  std::size_t start = 0;
  if (path.size() >= 2 && win::IsSeparator(path[0]) && win::IsSeparator(path[1])) {
    // UNC: skip \\server\share.
    int separators = 0;
    for (start = 2; start < path.size() && separators < 2; ++start) {
      if (win::IsSeparator(path[start])) ++separators;
    }
  } else if (path.size() >= 2 && path[1] == ':') {
    start = path.size() > 2 && win::IsSeparator(path[2]) ? 3 : 2;
  } else if (!path.empty() && win::IsSeparator(path[0])) {
    start = 1;
  }
  std::vector<std::string> out;
  for (std::size_t pos = start; pos <= path.size(); ++pos) {
    if (pos != path.size() && !win::IsSeparator(path[pos])) continue;
    if (pos > start && !win::IsSeparator(path[pos - 1])) out.push_back(path.substr(0, pos));
  }
  return out;
}

// Creates one folder, private when mode says so; false (no error) when it exists.
Result<bool> CreateFolder(const std::string& path, FileMode mode, const std::string& what) {
  SECURITY_ATTRIBUTES* attributes = IsPrivateMode(mode) ? win::PrivateAttributes() : nullptr;
  if (CreateDirectoryW(Wide(path).c_str(), attributes)) return true;
  const DWORD error = GetLastError();
  if (error == ERROR_ALREADY_EXISTS) return false;
  return win::WinError(error, what);
}

// A regular file opened to read, and its size then.
struct OpenedFile {
  UniqueHandle handle;
  std::uint64_t size = 0;
};

Result<OpenedFile> OpenRegularFile(const std::string& path) {
  OpenedFile file{OpenForInspection(path, GENERIC_READ)};
  if (!file.handle.valid()) return LastError("opening " + path);
  BY_HANDLE_FILE_INFORMATION info;
  if (!GetFileInformationByHandle(file.handle.get(), &info)) {
    return LastError("inspecting " + path);
  }
  // A folder, a pipe, a console or a device is not a file to read.
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0 ||
      GetFileType(file.handle.get()) != FILE_TYPE_DISK) {
    return PlatformError(Errc::kNotRegularFile, path + " is not a regular file");
  }
  file.size = (std::uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
  return file;
}

}  // namespace

Result<std::string> ReadFileCapped(const std::string& path, std::size_t max_bytes) {
  Result<OpenedFile> opened = OpenRegularFile(path);
  if (!opened.ok()) return opened.error();
  if (opened->size > max_bytes) {
    return PlatformError(Errc::kTooLarge, path + " is " + std::to_string(opened->size) +
                                              " bytes, more than the " + std::to_string(max_bytes) +
                                              "-byte limit");
  }
  return ReadAll(opened->handle.get(), path, max_bytes);
}

Result<FileTail> ReadFileTail(const std::string& path, std::uint64_t from, std::size_t max_bytes) {
  Result<OpenedFile> opened = OpenRegularFile(path);
  if (!opened.ok()) return opened.error();
  const UniqueHandle& file = opened->handle;
  FileTail tail;
  tail.size = opened->size;
  const std::uint64_t last = tail.size > max_bytes ? tail.size - max_bytes : 0;
  tail.offset = from > tail.size ? last : (from > last ? from : last);
  LARGE_INTEGER at;
  at.QuadPart = static_cast<LONGLONG>(tail.offset);
  if (!SetFilePointerEx(file.get(), at, nullptr, FILE_BEGIN)) return LastError("reading " + path);
  tail.bytes.resize(static_cast<std::size_t>(tail.size - tail.offset));
  std::size_t done = 0;
  while (done < tail.bytes.size()) {
    DWORD n = 0;
    if (!ReadFile(file.get(), &tail.bytes[done], static_cast<DWORD>(tail.bytes.size() - done), &n,
                  nullptr)) {
      return LastError("reading " + path);
    }
    if (n == 0) break;  // cut short while being read
    done += n;
  }
  tail.bytes.resize(done);
  return tail;
}

Result<PathKind> KindOf(const std::string& path) {
  UniqueHandle handle = OpenForInspection(path, FILE_READ_ATTRIBUTES);
  if (!handle.valid()) return LastError("inspecting " + path);
  BY_HANDLE_FILE_INFORMATION info;
  if (!GetFileInformationByHandle(handle.get(), &info)) {
    return GetFileType(handle.get()) == FILE_TYPE_DISK
               ? Result<PathKind>(LastError("inspecting " + path))
               : Result<PathKind>(PathKind::kOther);
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) return PathKind::kFolder;
  return GetFileType(handle.get()) == FILE_TYPE_DISK ? PathKind::kFile : PathKind::kOther;
}

bool PathExists(const std::string& path) {
  return GetFileAttributesW(Wide(path).c_str()) != INVALID_FILE_ATTRIBUTES;
}

Result<void> MakeDirs(const std::string& path, FileMode mode) {
  for (const std::string& prefix : Prefixes(path)) {
    Result<bool> made = CreateFolder(prefix, mode, "cannot create " + prefix);
    if (!made.ok()) return made.error();
  }
  return {};
}

Result<void> MakeDir(const std::string& path, FileMode mode) {
  Result<bool> made = CreateFolder(path, mode, "creating the folder " + path);
  if (!made.ok()) return made.error();
  return {};
}

Result<void> MakePrivateDir(const std::string& path) {
  SECURITY_ATTRIBUTES* attributes = win::PrivateAttributes();
  if (attributes == nullptr) return LastError("creating " + path);
  if (!CreateDirectoryW(Wide(path).c_str(), attributes)) return LastError("creating " + path);
  return {};
}

Result<void> SetFileMode(const std::string& path, FileMode mode) {
  // Windows has no mode bits: a private mode gets the private DACL; any other keeps the
  // DACL the file has (inherited from its folder), as the closest meaning of "readable".
  if (IsPrivateMode(mode)) return win::MakePrivate(Wide(path), "setting the mode of " + path);
  if (!PathExists(path)) {
    return win::WinError(ERROR_FILE_NOT_FOUND, "setting the mode of " + path);
  }
  return {};
}

Result<void> RemoveFile(const std::string& path) {
  if (DeleteFileW(Wide(path).c_str())) return {};
  const DWORD error = GetLastError();
  if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) return {};
  return win::WinError(error, "removing " + path);
}

Result<std::vector<std::string>> ListFolder(const std::string& path) {
  WIN32_FIND_DATAW entry;
  HANDLE find = FindFirstFileW(Wide(win::JoinPath(path, "*")).c_str(), &entry);
  if (find == INVALID_HANDLE_VALUE) {
    const DWORD error = GetLastError();
    // An empty folder has "." and ".."; ERROR_FILE_NOT_FOUND means the folder is missing.
    return win::WinError(error == ERROR_FILE_NOT_FOUND ? ERROR_PATH_NOT_FOUND : error,
                         "listing " + path);
  }
  std::vector<std::string> names;
  do {
    const std::wstring name = entry.cFileName;
    if (name != L"." && name != L"..") names.push_back(win::Utf8(name));
  } while (FindNextFileW(find, &entry));
  const DWORD error = GetLastError();
  FindClose(find);
  if (error != ERROR_NO_MORE_FILES) return win::WinError(error, "listing " + path);
  return names;
}

std::string MakePrivateCommand(const std::string& path) {
  wchar_t user[257];
  DWORD size = sizeof(user) / sizeof(user[0]);
  const std::string account = GetUserNameW(user, &size) ? win::Utf8(user) : "%USERNAME%";
  return "icacls \"" + path + "\" /inheritance:r /grant:r SYSTEM:F Administrators:F \"" + account +
         "\":R";
}

std::string RestrictWritersAdvice() {
  return "let only SYSTEM, Administrators and the agent's account write there (icacls FOLDER "
         "shows who may; take the right from the others with icacls FOLDER /remove:g NAME, or "
         "in the folder's Security tab)";
}

Result<bool> SecretFileIsPrivate(const std::string& path) {
  Result<bool> others = win::OthersCanRead(path);
  if (!others.ok()) return others.error();
  return !*others;
}

Result<std::string> OwnerOnlyProblem(const std::string& path) {
  Result<PathKind> kind = KindOf(path);
  if (!kind.ok()) return kind.error();
  Result<bool> others = win::OthersCanRead(path);
  if (!others.ok()) return others.error();
  if (*others) return std::string("others may read it");
  return win::UntrustedWriters(path, *kind == PathKind::kFolder);
}

std::string MakeOwnerOnlyCommand(const std::string& path, bool /*folder*/) {
  wchar_t user[257];
  DWORD size = sizeof(user) / sizeof(user[0]);
  const std::string account = GetUserNameW(user, &size) ? win::Utf8(user) : "%USERNAME%";
  return "icacls \"" + path + "\" /inheritance:r /grant:r SYSTEM:F Administrators:F \"" + account +
         "\":F";
}

Result<void> CheckAccess(const std::string& path, Access access) {
  if (access == Access::kWrite) {
    // FILE_WRITE_DATA (FILE_ADD_FILE on a folder) asks the ACL and the read-only attribute
    // for the right to write; opening for it writes nothing.
    UniqueHandle target = OpenForInspection(path, FILE_WRITE_DATA);
    if (!target.valid()) return LastError(path);
    return {};
  }
  // Windows runs what it may read (and whose name says it is a program): read access is
  // what can be checked for both.
  UniqueHandle file = OpenForInspection(path, GENERIC_READ);
  if (!file.valid()) return LastError(path);
  if (access == Access::kExecute) {
    BY_HANDLE_FILE_INFORMATION info;
    if (GetFileInformationByHandle(file.get(), &info) &&
        (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
      return win::WinError(ERROR_ACCESS_DENIED, path);
    }
  }
  return {};
}

Result<std::uint64_t> AvailableBytes(const std::string& path) {
  ULARGE_INTEGER available{};
  // The caller's share: quotas counted, as the agent's own writes will be.
  if (!GetDiskFreeSpaceExW(Wide(path).c_str(), &available, nullptr, nullptr)) {
    return LastError("inspecting the free space of " + path);
  }
  return std::uint64_t{available.QuadPart};
}

}  // namespace osfleet::platform

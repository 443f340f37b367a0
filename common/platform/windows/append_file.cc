#include "common/platform/append_file.h"

#include <fcntl.h>
#include <io.h>
#include <algorithm>
#include <optional>

#include "common/platform/windows/file_identity.h"
#include "common/platform/windows/security.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

using win::LastError;

HANDLE HandleOf(const UniqueFd& fd) { return reinterpret_cast<HANDLE>(_get_osfhandle(fd.get())); }

// Opened for appending, shared so that a rotation can rename it while it is open; created
// private (the audit log is for the agent's account and administrators).
win::UniqueHandle OpenForAppend(const std::string& path, DWORD access) {
  return win::UniqueHandle(CreateFileW(
      win::Wide(path).c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
      win::PrivateAttributes(), OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr));
}

// Writes at the end of the file whatever other appenders wrote (offset 0xFFFFFFFF'FFFFFFFF
// means "the end" for a handle with FILE_APPEND_DATA).
Result<void> AppendAll(HANDLE file, std::string_view bytes) {
  while (!bytes.empty()) {
    OVERLAPPED at_end{};
    at_end.Offset = 0xFFFFFFFF;
    at_end.OffsetHigh = 0xFFFFFFFF;
    DWORD n = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(bytes.size(), 1 << 30));
    if (!WriteFile(file, bytes.data(), chunk, &n, &at_end)) return LastError("write");
    bytes.remove_prefix(n);
  }
  return {};
}

std::optional<std::uint64_t> SizeOf(HANDLE file) {
  LARGE_INTEGER size;
  if (!GetFileSizeEx(file, &size)) return std::nullopt;
  return static_cast<std::uint64_t>(size.QuadPart);
}

bool EndsMidLine(HANDLE file, std::uint64_t size) {
  if (size == 0) return false;
  OVERLAPPED at{};
  at.Offset = static_cast<DWORD>((size - 1) & 0xFFFFFFFF);
  at.OffsetHigh = static_cast<DWORD>((size - 1) >> 32);
  char last = '\n';
  DWORD n = 0;
  return ReadFile(file, &last, 1, &n, &at) && n == 1 && last != '\n';
}

Result<void> CutBack(HANDLE file, std::uint64_t size) {
  FILE_END_OF_FILE_INFO end{};
  end.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
  if (!SetFileInformationByHandle(file, FileEndOfFileInfo, &end, sizeof(end))) {
    return LastError("truncate");
  }
  FlushFileBuffers(file);
  return {};
}

}  // namespace

Result<void> AppendDurably(const std::string& path, std::string_view bytes) {
  win::UniqueHandle file = OpenForAppend(path, FILE_APPEND_DATA | SYNCHRONIZE);
  if (!file.valid()) return LastError("open");
  if (Result<void> r = AppendAll(file.get(), bytes); !r.ok()) return r;
  if (!FlushFileBuffers(file.get())) return LastError("fsync");
  if (!CloseHandle(file.Release())) return LastError("close");
  return {};
}

Result<void> AppendOnlyFile::EnsureOpen() {
  if (fd_.valid()) {
    const std::optional<win::FileIdentity> open = win::IdentityOf(HandleOf(fd_));
    if (open && open == win::IdentityAt(win::Wide(path_))) return {};
  }
  // Read access too: the last byte is read back to find a line cut by a crash.
  win::UniqueHandle file = OpenForAppend(path_, GENERIC_READ | GENERIC_WRITE);
  if (!file.valid()) return LastError("open");
  const std::optional<win::FileIdentity> id = win::IdentityOf(file.get());
  if (!id) return LastError("fstat");
  if ((id->attributes & FILE_ATTRIBUTE_DIRECTORY) != 0 ||
      GetFileType(file.get()) != FILE_TYPE_DISK) {
    return win::WinError(ERROR_INVALID_PARAMETER, "open (not a regular file)");
  }
  needs_newline_ = EndsMidLine(file.get(), id->size);
  const int fd = _open_osfhandle(reinterpret_cast<std::intptr_t>(file.get()), _O_BINARY);
  if (fd < 0) return win::WinError(ERROR_TOO_MANY_OPEN_FILES, "open");
  file.Release();  // the descriptor owns it now
  fd_ = UniqueFd(fd);
  return {};
}

Result<void> AppendOnlyFile::Reserve(std::uint64_t bytes) {
  if (Result<void> open = EnsureOpen(); !open.ok()) return open;
  const HANDLE file = HandleOf(fd_);
  const std::optional<std::uint64_t> size = SizeOf(file);
  if (!size) return LastError("fstat");
  // Allocation beyond the end keeps the file's size (like FALLOC_FL_KEEP_SIZE).
  FILE_ALLOCATION_INFO allocation{};
  allocation.AllocationSize.QuadPart = static_cast<LONGLONG>(*size + bytes);
  if (SetFileInformationByHandle(file, FileAllocationInfo, &allocation, sizeof(allocation))) {
    return {};
  }
  const DWORD error = GetLastError();
  if (error == ERROR_DISK_FULL || error == ERROR_HANDLE_DISK_FULL) {
    return win::WinError(error, "fallocate");
  }
  // No allocation ahead on this file system: as much free space is the best check left.
  ULARGE_INTEGER available{};
  const std::wstring folder = win::Wide(win::SplitPath(path_).first);
  if (!GetDiskFreeSpaceExW(folder.c_str(), &available, nullptr, nullptr)) {
    return LastError("statvfs");
  }
  if (available.QuadPart < bytes) return win::WinError(ERROR_DISK_FULL, "statvfs");
  return {};
}

Result<void> AppendOnlyFile::Append(std::string_view bytes) {
  if (Result<void> open = EnsureOpen(); !open.ok()) return open;
  const HANDLE file = HandleOf(fd_);
  const std::optional<std::uint64_t> size = SizeOf(file);
  if (!size) return LastError("fstat");
  std::string line;
  if (needs_newline_) {
    line = "\n";
    line.append(bytes);
    bytes = line;
  }
  Result<void> written = AppendAll(file, bytes);
  if (!written.ok()) {
    // Cut back what part of the line was written; the file stays whole lines.
    if (Result<void> cut = CutBack(file, *size); !cut.ok()) {
      needs_newline_ = true;
      return cut;
    }
    return written;
  }
  needs_newline_ = false;
  if (!FlushFileBuffers(file)) return LastError("fsync");
  return {};
}

}  // namespace osfleet::platform

#include "common/platform/windows/file_identity.h"

namespace osfleet::platform::win {

std::optional<FileIdentity> IdentityOf(HANDLE handle) {
  BY_HANDLE_FILE_INFORMATION info;
  if (!GetFileInformationByHandle(handle, &info)) return std::nullopt;
  FileIdentity id;
  id.volume = info.dwVolumeSerialNumber;
  id.index = (std::uint64_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow;
  id.size = (std::uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
  id.attributes = info.dwFileAttributes;
  return id;
}

std::optional<FileIdentity> IdentityAt(const std::wstring& path) {
  // No access rights needed to read the attributes; every sharing mode, so that an open
  // server.hsconf can be inspected.
  UniqueHandle handle(CreateFileW(
      path.c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
      OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr));
  if (!handle.valid()) return std::nullopt;
  return IdentityOf(handle.get());
}

}  // namespace osfleet::platform::win

// Windows implementation helpers (not part of the platform API): which file a handle or a
// path is (volume serial number and file index, the st_dev / st_ino of Windows).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/platform/windows/win32.h"

namespace osfleet::platform::win {

struct FileIdentity {
  std::uint64_t volume = 0;
  std::uint64_t index = 0;
  std::uint64_t size = 0;
  DWORD attributes = 0;
  bool operator==(const FileIdentity& o) const { return volume == o.volume && index == o.index; }
  bool operator!=(const FileIdentity& o) const { return !(*this == o); }
};

// nullopt (GetLastError() set) when it cannot be inspected.
std::optional<FileIdentity> IdentityOf(HANDLE handle);
// Of what path names, not following a final symbolic link (a link is its own entry).
std::optional<FileIdentity> IdentityAt(const std::wstring& path);

}  // namespace osfleet::platform::win

#include "common/platform/user_state_dir.h"

#include "common/platform/path_join.h"
#include "common/platform/windows/win32.h"

#include <knownfolders.h>
#include <shlobj.h>

namespace osfleet::platform {
namespace {

// The variable's value in UTF-8 (the wide environment: no code page loses letters), empty
// when unset.
std::string Env(const wchar_t* name) {
  const DWORD size = GetEnvironmentVariableW(name, nullptr, 0);
  if (size == 0) return std::string();
  std::wstring value(size, L'\0');
  const DWORD got = GetEnvironmentVariableW(name, &value[0], size);
  if (got == 0 || got >= size) return std::string();
  value.resize(got);
  return win::Utf8(value);
}

// The known folder, not %LOCALAPPDATA% first: a process started with a trimmed environment
// (a scheduled task, `runas /env`, Wine's services) need not have the variable.
std::string LocalAppDataFolder() {
  wchar_t* path = nullptr;
  std::string folder;
  if (SHGetKnownFolderPath(FOLDERID_LocalAppData, 0, nullptr, &path) == S_OK && path != nullptr) {
    folder = win::Utf8(path);
  }
  CoTaskMemFree(path);
  return folder.empty() ? Env(L"LOCALAPPDATA") : folder;
}

// What the Win32 calls make of a path that is relative or rooted on the current drive
// ("/tmp/x" -> "C:\tmp\x"); path itself when it cannot say.
std::string FullPath(const std::string& path) {
  const std::wstring wide = win::Wide(path);
  const DWORD size = GetFullPathNameW(wide.c_str(), 0, nullptr, nullptr);
  if (size == 0) return path;
  std::wstring full(size, L'\0');
  const DWORD got = GetFullPathNameW(wide.c_str(), size, &full[0], nullptr);
  if (got == 0 || got >= size) return path;
  full.resize(got);
  return win::Utf8(full);
}

bool SameFolder(const std::string& a, const std::string& b) {
  return CompareStringOrdinal(win::Wide(a).c_str(), -1, win::Wide(b).c_str(), -1, TRUE) ==
         CSTR_EQUAL;
}

}  // namespace

Result<std::string> UserStateDir() {
  if (std::string dir = Env(L"OSFLEET_STATE_DIR"); !dir.empty()) return dir;
  const std::string local = LocalAppDataFolder();
  if (local.empty()) {
    return win::WinError(ERROR_PATH_NOT_FOUND, "finding this user's LocalAppData folder");
  }
  return JoinPath(local, "osfleet");
}

std::vector<std::string> OldUserStateDirs() {
  if (!Env(L"OSFLEET_STATE_DIR").empty()) return {};
  // As osctl built them before (forward slashes and all), then made full.
  std::vector<std::string> before;
  if (std::string xdg = Env(L"XDG_STATE_HOME"); !xdg.empty()) before.push_back(xdg + "/osfleet");
  if (GetEnvironmentVariableW(L"HOME", nullptr, 0) != 0) {
    before.push_back(Env(L"HOME") + "/.local/state/osfleet");
  }
  before.push_back("/tmp/.local/state/osfleet");  // the current drive's (Wine: Z:, Unix /tmp)
  // The system drive's too: osctl is mostly run from C:, whichever folder it starts in now.
  if (std::string drive = Env(L"SystemDrive"); !drive.empty()) {
    before.push_back(drive + "\\tmp\\.local\\state\\osfleet");
  }
  Result<std::string> now = UserStateDir();
  std::vector<std::string> out;
  for (const std::string& dir : before) {
    const std::string full = FullPath(dir);
    bool seen = now.ok() && SameFolder(full, *now);
    for (const std::string& other : out) seen = seen || SameFolder(full, other);
    if (!seen) out.push_back(full);
  }
  return out;
}

}  // namespace osfleet::platform

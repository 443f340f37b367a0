#include "common/platform/default_paths.h"

#include "common/platform/windows/win32.h"

#include <knownfolders.h>
#include <shlobj.h>

namespace osfleet::platform {
namespace {

// Where OutSystems' installer records the Platform Server: its folder as the key's default
// value, its version as the value "Server". OutSystems' own automation reads the same
// (github.com/OutSystems/OutSystems.SetupTools, src/Outsystems.SetupTools/Lib/
// PlatformSetup.ps1: GetServerInstallDir reads "(default)", GetServerVersion reads
// RegRead -Path "HKLM:SOFTWARE\OutSystems\Installer\Server" -Name "Server").
constexpr wchar_t kInstallerKey[] = L"SOFTWARE\\OutSystems\\Installer\\Server";
constexpr wchar_t kVersionValue[] = L"Server";
constexpr char kPlatformServerFolder[] = "C:\\Program Files\\OutSystems\\Platform Server";

// A REG_SZ value (a REG_EXPAND_SZ one expanded), empty when absent.
std::wstring RegistryString(HKEY root, const wchar_t* key, const wchar_t* value) {
  DWORD size = 0;
  if (RegGetValueW(root, key, value, RRF_RT_REG_SZ, nullptr, nullptr, &size) != ERROR_SUCCESS ||
      size < sizeof(wchar_t)) {
    return std::wstring();
  }
  std::wstring text(size / sizeof(wchar_t), L'\0');
  if (RegGetValueW(root, key, value, RRF_RT_REG_SZ, nullptr, &text[0], &size) != ERROR_SUCCESS) {
    return std::wstring();
  }
  text.resize(size / sizeof(wchar_t));
  while (!text.empty() && text.back() == L'\0') text.pop_back();
  return text;
}

std::string PlatformServerFolder() {
  std::string folder = win::Utf8(RegistryString(HKEY_LOCAL_MACHINE, kInstallerKey, nullptr));
  while (!folder.empty() && win::IsSeparator(folder.back())) folder.pop_back();
  return folder.empty() ? kPlatformServerFolder : folder;
}

// The known folder, not %ProgramData%: a service's environment need not have it (Wine
// gives services C:\users\Public).
std::string ProgramDataFolder() {
  wchar_t* path = nullptr;
  std::string folder = "C:\\ProgramData";
  if (SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &path) == S_OK && path != nullptr) {
    folder = win::Utf8(path);
  }
  CoTaskMemFree(path);
  return folder;
}

}  // namespace

const AgentPaths& DefaultAgentPaths() {
  static const AgentPaths paths = [] {
    const std::string data = win::JoinPath(ProgramDataFolder(), "osfleet");
    return AgentPaths{win::JoinPath(PlatformServerFolder(), "server.hsconf"), data,
                      win::JoinPath(data, "agent.yaml"),
                      win::JoinPath(win::JoinPath(data, "logs"), "osagent.log")};
  }();
  return paths;
}

std::string PlatformServerVersion() {
  return win::Utf8(RegistryString(HKEY_LOCAL_MACHINE, kInstallerKey, kVersionValue));
}

}  // namespace osfleet::platform

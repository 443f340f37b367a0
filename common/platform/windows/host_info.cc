#include "common/platform/host_info.h"

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

// RtlGetVersion tells the real version (GetVersionEx lies to programs without a
// compatibility manifest: it says 6.2 on every Windows since 8).
using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);

std::string WindowsVersion() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return "";
  const auto get_version = reinterpret_cast<RtlGetVersionFn>(
      reinterpret_cast<void*>(GetProcAddress(ntdll, "RtlGetVersion")));
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof(info);
  if (get_version == nullptr || get_version(&info) != 0) return "";
  return std::to_string(info.dwMajorVersion) + "." + std::to_string(info.dwMinorVersion) + "." +
         std::to_string(info.dwBuildNumber);
}

std::string Machine() {
  SYSTEM_INFO info{};
  GetNativeSystemInfo(&info);
  switch (info.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64:
      return "x86_64";
    case PROCESSOR_ARCHITECTURE_ARM64:
      return "arm64";
    case PROCESSOR_ARCHITECTURE_INTEL:
      return "x86";
    default:
      return "unknown";
  }
}

}  // namespace

std::string OperatingSystem() {
  const std::string version = WindowsVersion();
  if (version.empty()) return "unknown";
  return "Windows " + version + " " + Machine();
}

std::string HostName() {
  wchar_t name[MAX_COMPUTERNAME_LENGTH + 256] = {};
  DWORD size = sizeof(name) / sizeof(name[0]);
  // The DNS host name ("app01"), as gethostname gives on POSIX, not the NetBIOS name.
  if (!GetComputerNameExW(ComputerNameDnsHostname, name, &size) || size == 0) return "unknown";
  return win::Utf8(std::wstring_view(name, size));
}

long CurrentProcessId() { return static_cast<long>(GetCurrentProcessId()); }

}  // namespace osfleet::platform

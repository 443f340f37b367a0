#include "common/platform/core_dumps.h"

#include <windows.h>

#include <string>

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

// wer.dll's WerAddExcludedApplication, looked up at run time: mingw's werapi.h does not
// compile on its own, and a missing wer.dll (Server Core without WER) is no failure.
using WerAddExcludedApplicationFn = HRESULT(WINAPI*)(PCWSTR, BOOL);

}  // namespace

Result<void> DisableCoreDumps() {
  // No fault dialog and no Windows Error Reporting report (which carries a dump) for a
  // crash of this process.
  SetErrorMode(GetErrorMode() | SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  HMODULE wer = LoadLibraryExW(L"wer.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (wer == nullptr) return {};
  auto exclude = reinterpret_cast<WerAddExcludedApplicationFn>(
      reinterpret_cast<void*>(GetProcAddress(wer, "WerAddExcludedApplication")));
  if (exclude == nullptr) return {};
  std::wstring exe(32768, L'\0');
  const DWORD n = GetModuleFileNameW(nullptr, &exe[0], static_cast<DWORD>(exe.size()));
  if (n == 0 || n >= exe.size()) return win::LastError("finding osagent's own executable");
  exe.resize(n);
  const HRESULT hr = exclude(exe.c_str(), FALSE);
  if (FAILED(hr)) {
    return win::WinError(static_cast<unsigned long>(hr),
                         "excluding osagent from Windows Error Reporting");
  }
  return {};
}

// The Windows heap has no such switch; the agent's own copies are wiped where it holds them.
void ScrubFreedMemory(char** /*argv*/) {}

}  // namespace osfleet::platform

#include "common/platform/test_pause.h"

#include <cstdlib>
#include <cstring>

#include "common/platform/windows/win32.h"
// After <windows.h>, which it needs.
#include <tlhelp32.h>

namespace osfleet::platform {
namespace {

// Every thread of this process but the caller.
void SuspendOtherThreads() {
  const DWORD self = GetCurrentThreadId(), pid = GetCurrentProcessId();
  win::UniqueHandle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0));
  if (!snapshot.valid()) return;
  THREADENTRY32 entry{};
  entry.dwSize = sizeof(entry);
  for (BOOL more = Thread32First(snapshot.get(), &entry); more;
       more = Thread32Next(snapshot.get(), &entry)) {
    if (entry.th32OwnerProcessID != pid || entry.th32ThreadID == self) continue;
    win::UniqueHandle thread(OpenThread(THREAD_SUSPEND_RESUME, FALSE, entry.th32ThreadID));
    if (thread.valid()) SuspendThread(thread.get());
  }
}

}  // namespace

// Windows has no SIGSTOP: every thread is suspended, the caller last; the test resumes
// the process (NtResumeProcess). Under Wine a POSIX test may SIGSTOP / SIGCONT the wine
// process instead.
void PauseIfAsked(const char* point) {
  const char* wanted = std::getenv("OSFLEET_TEST_PAUSE_AT");
  if (wanted == nullptr || std::strcmp(wanted, point) != 0) return;
  SuspendOtherThreads();
  SuspendThread(GetCurrentThread());
}

}  // namespace osfleet::platform

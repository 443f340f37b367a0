// The Windows event log behind the platform seam, on Wine: writing under a source
// succeeds for each type (Wine keeps no log: tests/windows/event_log_trace.sh runs these
// tests with WINEDEBUG=+eventlog and checks that the trace shows each ReportEventW with its
// source, type, category, id and text), the message table gives each event id its text as
// Event Viewer shows it, and registering a source writes the registry values Event Viewer
// reads, in place when run again, and removing it removes them.
#include "common/platform/event_log.h"

#include <iterator>
#include <string>

#include "common/platform/windows/win32.h"
#include "gtest/gtest.h"
#include "tests/windows/platform/child_modes.h"

namespace osfleet::platform::testing {
namespace {

// The source and texts event_log_trace.sh looks for in Wine's trace.
constexpr char kTraceSource[] = "osfleet-trace-test";

TEST(EventLog, ReportsEachTypeUnderItsSource) {
  Result<std::unique_ptr<EventLog>> log = OpenEventLogAs(kTraceSource);
  ASSERT_TRUE(log.ok()) << log.error().Message();
  const EventRecord events[] = {
      {EventType::kInformation, 1, 100, "osfleet trace: started (information) \xC3\xA9t\xC3\xA9"},
      {EventType::kWarning, 2, 200, "osfleet trace: a warning"},
      {EventType::kError, 2, 201, "osfleet trace: an error"},
      {EventType::kInformation, 3, 300, "osfleet trace: {\"rpc\":\"Endpoints.Set\"}"},
  };
  for (const EventRecord& event : events) {
    Result<void> reported = (*log)->Report(event);
    EXPECT_TRUE(reported.ok()) << event.id << ": " << reported.error().Message();
  }
  // Beyond ReportEventW's 31 839 characters: cut, still written.
  Result<void> long_text =
      (*log)->Report({EventType::kInformation, 3, 300, std::string(40000, 'x')});
  EXPECT_TRUE(long_text.ok()) << long_text.error().Message();
}

// Each event's text as Event Viewer renders it: the message table (osagent-events.mc, linked
// into this program as into osagent.exe) with the event's text as %1.
std::wstring Rendered(DWORD id, const wchar_t* insertion) {
  wchar_t buffer[512] = {};
  DWORD_PTR args[] = {reinterpret_cast<DWORD_PTR>(insertion)};
  const DWORD n = FormatMessageW(
      FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, GetModuleHandleW(nullptr), id,
      MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), buffer, static_cast<DWORD>(std::size(buffer)),
      reinterpret_cast<va_list*>(args));
  if (n == 0) return L"<FormatMessageW: error " + std::to_wstring(GetLastError()) + L">";
  return std::wstring(buffer, n);
}

TEST(EventLog, TheMessageTableGivesEachEventItsText) {
  EXPECT_EQ(Rendered(1, L""), L"Service\r\n");
  EXPECT_EQ(Rendered(2, L""), L"Log\r\n");
  EXPECT_EQ(Rendered(3, L""), L"Audit\r\n");
  EXPECT_EQ(Rendered(100, L"osagent serves fe01"),
            L"The osfleet agent started: osagent serves fe01\r\n");
  EXPECT_EQ(Rendered(101, L"exit code 0"), L"The osfleet agent stopped: exit code 0\r\n");
  EXPECT_EQ(Rendered(102, L"exit code 2"),
            L"The osfleet agent stopped on a failure: exit code 2\r\n");
  EXPECT_EQ(Rendered(200, L"a warning \u00e9"), L"a warning \u00e9\r\n");
  EXPECT_EQ(Rendered(201, L"an error"), L"an error\r\n");
  EXPECT_EQ(Rendered(300, L"{\"rpc\":\"Endpoints.Set\"}"),
            L"Audited call: {\"rpc\":\"Endpoints.Set\"}\r\n");
  EXPECT_EQ(Rendered(400, L"x").rfind(L"<FormatMessageW: error ", 0), 0u) << "no such id";
}

std::wstring ReadString(const std::wstring& key, const wchar_t* name) {
  wchar_t value[1024] = {};
  DWORD size = sizeof(value);
  const LSTATUS status = RegGetValueW(HKEY_LOCAL_MACHINE, key.c_str(), name,
                                      RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, nullptr, value, &size);
  return status == ERROR_SUCCESS ? value : L"<error " + std::to_wstring(status) + L">";
}

DWORD ReadNumber(const std::wstring& key, const wchar_t* name) {
  DWORD value = 0xFFFFFFFF;
  DWORD size = sizeof(value);
  RegGetValueW(HKEY_LOCAL_MACHINE, key.c_str(), name, RRF_RT_REG_DWORD, nullptr, &value, &size);
  return value;
}

TEST(EventLog, SourceRegisteredForEventViewerUpdatedAndRemoved) {
  const std::string name = "osfleet-test-" + std::to_string(GetCurrentProcessId());
  const std::wstring key = L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" +
                           std::wstring(name.begin(), name.end());
  (void)RemoveEventSource(name);

  Result<void> added = AddEventSource({name, "C:\\old\\osagent.exe", 2});
  ASSERT_TRUE(added.ok()) << added.error().Message();
  Result<void> again = AddEventSource({name, SelfPath(), 3});
  ASSERT_TRUE(again.ok()) << again.error().Message();
  EXPECT_EQ(ReadString(key, L"EventMessageFile"), win::Wide(SelfPath()));
  EXPECT_EQ(ReadString(key, L"CategoryMessageFile"), win::Wide(SelfPath()));
  EXPECT_EQ(ReadNumber(key, L"CategoryCount"), 3u);
  EXPECT_EQ(ReadNumber(key, L"TypesSupported"), 7u) << "error | warning | information";

  Result<bool> removed = RemoveEventSource(name);
  ASSERT_TRUE(removed.ok()) << removed.error().Message();
  EXPECT_TRUE(*removed);
  EXPECT_EQ(ReadNumber(key, L"TypesSupported"), 0xFFFFFFFFu) << "the key is gone";
  Result<bool> removed_again = RemoveEventSource(name);
  ASSERT_TRUE(removed_again.ok()) << removed_again.error().Message();
  EXPECT_FALSE(*removed_again) << "nothing to remove the second time";
}

}  // namespace
}  // namespace osfleet::platform::testing

// The Windows event log behind the platform seam, on Wine: writing under a source
// succeeds for each type (Wine keeps no log: tests/windows/event_log_trace.sh runs these
// tests with WINEDEBUG=+eventlog and checks that the trace shows each ReportEventW with its
// source, type, category, id and text), and registering a source writes the registry
// values Event Viewer reads, in place when run again, and removing it removes them.
#include "common/platform/event_log.h"

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

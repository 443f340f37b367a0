#include "common/platform/event_log.h"

#include <string>

#include "common/platform/windows/win32.h"

namespace osfleet::platform {
namespace {

// ReportEventW refuses an insertion string longer than this (ERROR_INVALID_PARAMETER).
constexpr std::size_t kMaxInsertionChars = 31839;

constexpr wchar_t kApplicationLog[] =
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\";
constexpr DWORD kTypesSupported =
    EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;

WORD TypeOf(EventType type) {
  switch (type) {
    case EventType::kError:
      return EVENTLOG_ERROR_TYPE;
    case EventType::kWarning:
      return EVENTLOG_WARNING_TYPE;
    case EventType::kInformation:
      break;
  }
  return EVENTLOG_INFORMATION_TYPE;
}

// text within ReportEventW's limit, cut before a surrogate pair rather than inside it.
std::wstring Insertion(const std::string& utf8) {
  std::wstring text = win::Wide(utf8);
  if (text.size() <= kMaxInsertionChars) return text;
  std::size_t keep = kMaxInsertionChars - 1;
  if (text[keep - 1] >= 0xD800 && text[keep - 1] <= 0xDBFF) --keep;
  text.resize(keep);
  text.push_back(L'\u2026');
  return text;
}

class WindowsEventLog final : public EventLog {
 public:
  WindowsEventLog(HANDLE handle, std::string source)
      : handle_(handle), source_(std::move(source)) {}
  ~WindowsEventLog() override { DeregisterEventSource(handle_); }
  WindowsEventLog(const WindowsEventLog&) = delete;
  WindowsEventLog& operator=(const WindowsEventLog&) = delete;

  Result<void> Report(const EventRecord& event) override {
    const std::wstring text = Insertion(event.text);
    const wchar_t* strings[] = {text.c_str()};
    if (!ReportEventW(handle_, TypeOf(event.type), event.category, event.id, nullptr, 1, 0, strings,
                      nullptr)) {
      return win::LastError("writing event " + std::to_string(event.id) + " to the event log as " +
                            source_);
    }
    return {};
  }

 private:
  const HANDLE handle_;
  const std::string source_;
};

// A registry key opened by this file, closed when it goes.
class Key {
 public:
  Key() = default;
  ~Key() {
    if (key_ != nullptr) RegCloseKey(key_);
  }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  HKEY* out() { return &key_; }
  HKEY get() const { return key_; }

 private:
  HKEY key_ = nullptr;
};

Result<void> SetString(HKEY key, const wchar_t* name, const std::wstring& value,
                       const std::string& source) {
  const LSTATUS status =
      RegSetValueExW(key, name, 0, REG_EXPAND_SZ, reinterpret_cast<const BYTE*>(value.c_str()),
                     static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t)));
  if (status != ERROR_SUCCESS) {
    return win::WinError(status, "setting " + win::Utf8(name) + " of the event source " + source);
  }
  return {};
}

Result<void> SetNumber(HKEY key, const wchar_t* name, DWORD value, const std::string& source) {
  const LSTATUS status =
      RegSetValueExW(key, name, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&value), sizeof(value));
  if (status != ERROR_SUCCESS) {
    return win::WinError(status, "setting " + win::Utf8(name) + " of the event source " + source);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<EventLog>> OpenEventLogAs(const std::string& source) {
  HANDLE handle = RegisterEventSourceW(nullptr, win::Wide(source).c_str());
  if (handle == nullptr) return win::LastError("opening the event log as " + source);
  return std::unique_ptr<EventLog>(std::make_unique<WindowsEventLog>(handle, source));
}

Result<void> AddEventSource(const EventSource& source) {
  Key key;
  const std::wstring path = kApplicationLog + win::Wide(source.name);
  const LSTATUS status = RegCreateKeyExW(HKEY_LOCAL_MACHINE, path.c_str(), 0, nullptr, 0,
                                         KEY_SET_VALUE, nullptr, key.out(), nullptr);
  if (status != ERROR_SUCCESS) {
    return win::WinError(status, "registering the event source " + source.name + " (HKLM\\" +
                                     win::Utf8(path) + "; run this as an Administrator)");
  }
  const std::wstring file = win::Wide(source.message_file);
  for (const wchar_t* name : {L"EventMessageFile", L"CategoryMessageFile"}) {
    if (Result<void> set = SetString(key.get(), name, file, source.name); !set.ok()) return set;
  }
  if (Result<void> set = SetNumber(key.get(), L"CategoryCount",
                                   static_cast<DWORD>(source.category_count), source.name);
      !set.ok()) {
    return set;
  }
  return SetNumber(key.get(), L"TypesSupported", kTypesSupported, source.name);
}

Result<bool> RemoveEventSource(const std::string& name) {
  const std::wstring path = kApplicationLog + win::Wide(name);
  const LSTATUS status = RegDeleteKeyW(HKEY_LOCAL_MACHINE, path.c_str());
  if (status == ERROR_FILE_NOT_FOUND) return false;
  if (status != ERROR_SUCCESS) {
    return win::WinError(status, "removing the event source " + name + " (HKLM\\" +
                                     win::Utf8(path) + "; run this as an Administrator)");
  }
  return true;
}

}  // namespace osfleet::platform

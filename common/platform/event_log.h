// The operating system's event log, where administrators look first. Windows: the
// Application log, written under an event source (RegisterEventSourceW/ReportEventW, the
// text as UTF-16); Event Viewer shows each event's text from the message file registered
// for the source (AddEventSource: the program's own message table, built from
// packaging/windows/osagent-events.mc). POSIX: nothing — systemd's journal already keeps
// the program's stderr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/platform/result.h"

namespace osfleet::platform {

enum class EventType { kInformation, kWarning, kError };

struct EventRecord {
  EventType type = EventType::kInformation;
  std::uint16_t category = 0;  // the message file's category id (1..count); 0: none
  std::uint32_t id = 0;        // the message file's message id
  // UTF-8: the message's one insertion string (%1). Windows takes at most 31 839
  // characters in one: a longer text is cut there, ending with "…".
  std::string text;
};

// Writes events under one source. Report may be called from any thread.
class EventLog {
 public:
  virtual ~EventLog() = default;
  virtual Result<void> Report(const EventRecord& event) = 0;
};

// The log of this machine, written as `source` (Windows: RegisterEventSourceW, which
// succeeds for a source not registered yet: Event Viewer then shows only the text, after
// "The description for Event ID ... cannot be found"). POSIX: an EventLog that writes
// nothing. (Not OpenEventLog: windows.h makes that name a macro.)
Result<std::unique_ptr<EventLog>> OpenEventLogAs(const std::string& source);

struct EventSource {
  std::string name;          // "osagent"
  std::string message_file;  // absolute path of the program holding the message table
  int category_count = 0;    // categories 1..count are in the same message file
};

// Registers the source in the Application log: the key
// HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\NAME with EventMessageFile and
// CategoryMessageFile = message_file, CategoryCount and TypesSupported = 7 (error,
// warning, information); an existing key is updated in place. Needs an Administrator.
// POSIX: an Errc::kInvalidArgument Error (there is no such log to register with).
Result<void> AddEventSource(const EventSource& source);

// Removes the source's key: true; false when it was not registered. POSIX: as above.
Result<bool> RemoveEventSource(const std::string& name);

}  // namespace osfleet::platform

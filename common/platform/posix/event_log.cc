#include "common/platform/event_log.h"

#include <system_error>

namespace osfleet::platform {
namespace {

// systemd's journal keeps the agent's stderr (packaging/osagent.service): nothing to add.
class NoEventLog final : public EventLog {
 public:
  Result<void> Report(const EventRecord&) override { return {}; }
};

Error NotHere(const std::string& what) {
  return Error{make_error_code(Errc::kInvalidArgument),
               what +
                   ": there is no Windows event log here; systemd's journal keeps osagent's "
                   "messages (journalctl -u osagent)"};
}

}  // namespace

Result<std::unique_ptr<EventLog>> OpenEventLogAs(const std::string&) {
  return std::unique_ptr<EventLog>(std::make_unique<NoEventLog>());
}

Result<void> AddEventSource(const EventSource& source) {
  return NotHere("registering the event source " + source.name);
}

Result<bool> RemoveEventSource(const std::string& name) {
  return NotHere("removing the event source " + name);
}

}  // namespace osfleet::platform

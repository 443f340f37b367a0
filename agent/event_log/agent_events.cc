#include "agent/event_log/agent_events.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/api/logging.h"
#include "common/api/role.h"

namespace osfleet::agent {
namespace {

absl::Mutex mu(absl::kConstInit);
std::shared_ptr<platform::EventLog>& CurrentLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
  static auto* log = new std::shared_ptr<platform::EventLog>();
  return *log;
}

// Writes through the attached log, if any. A failure is dropped: it cannot be logged (that
// would come back here), and the log file has the record anyway.
void Report(platform::EventType type, std::uint16_t category, std::uint32_t id, std::string text) {
  std::shared_ptr<platform::EventLog> log;
  {
    absl::MutexLock lock(&mu);
    log = CurrentLog();
  }
  if (log) (void)log->Report({type, category, id, std::move(text)});
}

// spdlog's warn, error and critical records, as the log file writes their message.
class EventLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const absl::string_view payload(msg.payload.data(), msg.payload.size());
    if (msg.level == spdlog::level::warn) {
      Report(platform::EventType::kWarning, kCategoryLog, kEventWarning, SafeLogText(payload));
    } else if (msg.level >= spdlog::level::err && msg.level != spdlog::level::off) {
      Report(platform::EventType::kError, kCategoryLog, kEventError, SafeLogText(payload));
    }
  }
  void flush_() override {}
};

// The sink on the current default logger, once.
void AddSink() {
  std::shared_ptr<spdlog::logger> logger = spdlog::default_logger();
  for (const spdlog::sink_ptr& sink : logger->sinks()) {
    if (std::dynamic_pointer_cast<EventLogSink>(sink)) return;
  }
  auto sink = std::make_shared<EventLogSink>();
  sink->set_level(spdlog::level::warn);
  logger->sinks().push_back(std::move(sink));
}

}  // namespace

void AttachEventLog(const EventLogOpener& open) {
  platform::Result<std::unique_ptr<platform::EventLog>> opened = open(kEventSource);
  if (!opened.ok()) {
    spdlog::warn("no events in the event log: {}", opened.error().Message());
    return;
  }
  {
    absl::MutexLock lock(&mu);
    CurrentLog() = std::move(*opened);
  }
  AddSink();
}

void DetachEventLog() {
  std::shared_ptr<platform::EventLog> closed;
  absl::MutexLock lock(&mu);
  closed = std::exchange(CurrentLog(), nullptr);
}

std::string StartedText(const AgentConfig& config, absl::string_view config_path,
                        absl::string_view log_file) {
  return SafeLogText(absl::StrCat("osagent ", OSFLEET_VERSION, " serves ", config.name, " (",
                                  RoleName(config.role), ") on ", config.listen, " with ",
                                  config_path, "; log ", log_file.empty() ? "stderr" : log_file));
}

void ReportStarted(absl::string_view text) {
  Report(platform::EventType::kInformation, kCategoryService, kEventStarted, std::string(text));
}

void ReportStopped(int exit_code, absl::string_view log_file) {
  if (exit_code == 0) {
    Report(platform::EventType::kInformation, kCategoryService, kEventStopped, "exit code 0");
    return;
  }
  Report(platform::EventType::kError, kCategoryService, kEventFailed,
         SafeLogText(
             absl::StrCat("exit code ", exit_code, "; the errors logged before this event say why",
                          log_file.empty() ? "" : absl::StrCat(", and so does ", log_file))));
}

void ReportAudit(absl::string_view line) {
  Report(platform::EventType::kInformation, kCategoryAudit, kEventAudit, std::string(line));
}

}  // namespace osfleet::agent

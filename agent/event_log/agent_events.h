// osagent's events in the operating system's event log (common/platform/event_log.h: the
// Windows Application log under the source `osagent`; nothing on POSIX, where systemd's
// journal keeps stderr), written while osagent runs as the Windows service: its start and
// stop, every warning and error it logs (a sink on spdlog's default logger), and every
// audit line. Process-wide, like spdlog's default logger. The ids and categories are
// those of packaging/windows/osagent-events.mc, the message table in osagent.exe that
// Event Viewer reads the text from (windows.event_ids_match_message_file checks both).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "agent/agent_yaml/agent_config.h"
#include "common/platform/event_log.h"

namespace osfleet::agent {

constexpr char kEventSource[] = "osagent";

// clang-format off
// Categories: the message file's ids 1..kEventCategoryCount.
constexpr std::uint16_t kCategoryService = 1;  // start and stop
constexpr std::uint16_t kCategoryLog = 2;      // warnings and errors of the log
constexpr std::uint16_t kCategoryAudit = 3;    // audit lines
constexpr int kEventCategoryCount = 3;

// Event ids.
constexpr std::uint32_t kEventStarted = 100;   // information: serving
constexpr std::uint32_t kEventStopped = 101;   // information: stopped cleanly (exit code 0)
constexpr std::uint32_t kEventFailed = 102;    // error: stopped with a non-zero exit code
constexpr std::uint32_t kEventWarning = 200;   // warning: a warn record of the log
constexpr std::uint32_t kEventError = 201;     // error: an error or critical record
constexpr std::uint32_t kEventAudit = 300;     // information: one audit line (JSON)
// clang-format on

using EventLogOpener =
    std::function<platform::Result<std::unique_ptr<platform::EventLog>>(const std::string& source)>;

// Opens the event log as kEventSource and sends it, from now on, the warnings and errors of
// spdlog's default logger (as its level lets through: set up logging first) and the events
// below. A log that cannot be opened is a warning in the log file, nothing more.
void AttachEventLog(const EventLogOpener& open = platform::OpenEventLogAs);
// Stops writing to it (the sink stays on the logger and forwards nothing).
void DetachEventLog();

// "osagent 0.1.0 serves fe01 (front_end) on 0.0.0.0:7443 with CONFIG; log LOG_FILE": made
// before the config moves into Serve, reported once it serves.
std::string StartedText(const AgentConfig& config, absl::string_view config_path,
                        absl::string_view log_file);
void ReportStarted(absl::string_view text);
// Exit code 0: kEventStopped ("exit code 0"); else kEventFailed ("exit code 2; the errors
// logged before this event say why, and so does LOG_FILE").
void ReportStopped(int exit_code, absl::string_view log_file);
// One audit line (audit_log.h's FormatAuditLine, without its newline), once written.
void ReportAudit(absl::string_view line);

}  // namespace osfleet::agent

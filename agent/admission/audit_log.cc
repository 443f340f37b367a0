#include "agent/admission/audit_log.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "agent/event_log/agent_events.h"
#include "common/api/logging.h"
#include "common/platform/append_file.h"
#include "common/text/escape.h"
#include "common/text/redact.h"

namespace osfleet::agent {

std::string AuditResult(const absl::Status& status) {
  if (status.ok()) return "OK";
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

std::string FormatAuditLine(const AuditRecord& r) {
  nlohmann::ordered_json line = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", r.time, absl::UTCTimeZone())},
      {"identity", r.identity},
      {"peer", r.peer},
      {"rpc", r.rpc},
      {"before", r.before},
      {"after", r.after},
      {"change_id", r.change_id},
      {"result", r.result}};
  for (const auto& [key, value] : r.details) line[key] = value;
  // Replace invalid UTF-8 rather than throw: the line must always be written. C1 and bidi
  // controls, which JSON allows raw, are escaped too (every such escape is a JSON escape:
  // the same document), so `cat audit.log` cannot drive the terminal; a `Basic` token
  // echoed into a result is masked.
  return EscapeControls(RedactBasicCredentials(
             line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) +
         "\n";
}

AuditLog::AuditLog(std::string path)
    : path_(std::move(path)), file_(path_), writer_([this] { RunWriter(); }) {
  // Opened and its room reserved at once, so that a start on a full disk is seen in the log.
  if (absl::Status s = Reserve(); !s.ok()) {
    spdlog::error("{}: mutating calls are refused until it can be written", s.message());
  }
}

AuditLog::~AuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

bool AuditLog::Enqueue(Pending pending, bool wait_for_room) {
  absl::MutexLock lock(&mu_);
  auto has_room = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.size() < kMaxQueued; };
  if (wait_for_room) mu_.Await(absl::Condition(&has_room));
  if (!has_room()) return false;
  queue_.push_back(std::move(pending));
  return true;
}

void AuditLog::AppendThen(AuditRecord record, std::function<void(absl::Status)> done) {
  if (Enqueue({FormatAuditLine(record), done}, /*wait_for_room=*/false)) return;
  if (done) {
    done(absl::ResourceExhaustedError(absl::StrCat("audit log ", path_, ": ", kMaxQueued,
                                                   " lines wait to be written; the line "
                                                   "of ",
                                                   record.rpc, " by ", record.identity,
                                                   " was dropped")));
  }
}

absl::Status AuditLog::Append(const AuditRecord& record) {
  absl::Status result;
  absl::Notification written;
  Enqueue({FormatAuditLine(record),
           [&](absl::Status s) {
             result = std::move(s);
             written.Notify();
           }},
          /*wait_for_room=*/true);
  written.WaitForNotification();
  return result;
}

absl::Status AuditLog::Reserve() {
  platform::Result<void> reserved;
  {
    absl::MutexLock lock(&file_mu_);
    reserved = file_.Reserve(kReserveBytes);
  }
  if (reserved.ok()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("audit log ", path_, ": no room for the next lines (",
                                             reserved.error().Message(), ")"));
}

absl::Status AuditLog::Write(const std::string& line) {
  platform::Result<void> appended;
  {
    absl::MutexLock lock(&file_mu_);
    appended = file_.Append(line);
  }
  if (appended.ok()) return absl::OkStatus();
  // "audit log PATH: write: No space left on device".
  return absl::UnavailableError(
      absl::StrCat("audit log ", path_, ": ", appended.error().Message()));
}

void AuditLog::RunWriter() {
  for (;;) {
    Pending next;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](AuditLog* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->mu_) {
            return log->stopping_ || !log->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping and drained
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    absl::Status status = Write(next.line);
    // Written: the same line in the event log (the Windows service's Application log).
    if (status.ok()) ReportAudit(absl::string_view(next.line).substr(0, next.line.size() - 1));
    if (next.done) next.done(std::move(status));
  }
}

}  // namespace osfleet::agent

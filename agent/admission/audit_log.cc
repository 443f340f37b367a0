#include "agent/admission/audit_log.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/platform/append_file.h"

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
  // Replace invalid UTF-8 rather than throw: the line must always be written.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

absl::Status AuditLog::Append(const AuditRecord& record) {
  const std::string line = FormatAuditLine(record);
  absl::MutexLock lock(&mu_);
  const platform::Result<void> appended = platform::AppendDurably(path_, line);
  if (appended.ok()) return absl::OkStatus();
  // "audit log PATH: write: No space left on device".
  return absl::UnavailableError(
      absl::StrCat("audit log ", path_, ": ", appended.error().Message()));
}

}  // namespace osfleet::agent

#include "agent/admission/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace osfleet::agent {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("audit log ", path, ": ", what, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path);
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

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
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open", path_);
  absl::Status status = WriteAll(fd, line, path_);
  if (status.ok() && ::fsync(fd) != 0) status = Errno("fsync", path_);
  if (::close(fd) != 0 && status.ok()) status = Errno("close", path_);
  return status;
}

}  // namespace osfleet::agent

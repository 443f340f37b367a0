// The agent's audit trail: one JSON line per mutating call and per automatic revert
// (time, identity, peer, RPC, revisions before and after, result), appended with
// O_APPEND and fsync to a file of mode 0600. Only what the callers put in a record is
// written: never a password or the Service Center credentials.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace osfleet::agent {

struct AuditRecord {
  absl::Time time;
  std::string identity;  // certificate CN, "insecure-loopback", "anonymous-tls" or "osagent"
  std::string peer;      // "ipv4:10.0.0.5:51234"; empty for the agent's own actions
  std::string rpc;       // "Endpoints.Set", "AutomaticRevert", ...
  std::string before;    // server.hsconf revision before the call ("" when unknown)
  std::string after;     // and after it
  std::string change_id;
  std::string result;  // "OK" or "CODE: message"
  // Further non-secret facts ("backup_id", "publish_id", "services", ...), written as
  // string fields after the others.
  std::vector<std::pair<std::string, std::string>> details;
};

// "OK" or "PERMISSION_DENIED: message".
std::string AuditResult(const absl::Status& status);

// The record as one JSON object on one line, '\n'-terminated; time in RFC 3339 UTC.
std::string FormatAuditLine(const AuditRecord& record);

class AuditLog {
 public:
  explicit AuditLog(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // Appends one line and fsyncs it. Lines from concurrent callers never interleave.
  absl::Status Append(const AuditRecord& record);

 private:
  const std::string path_;
  absl::Mutex mu_;  // one append at a time
};

}  // namespace osfleet::agent

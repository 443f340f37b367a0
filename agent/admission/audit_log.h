// The agent's audit trail: one JSON line per mutating call and per automatic revert
// (time, identity, peer, RPC, revisions before and after, result), appended with
// O_APPEND and fsync to a file of mode 0600. Only what the callers put in a record is
// written: never a password or the Service Center credentials.
//
// A mutating call runs only once Reserve() made sure its line can be written: the file is
// kept open (a process out of descriptors still writes it) and kReserveBytes past its end
// are allocated ahead (a disk that fills during the call cannot fail the line). A write
// that fails half-way is cut back, so every line of the file is a whole JSON object.
//
// One writer thread does every write, in the order the records were handed over, so that
// no gRPC callback thread ever waits for the disk: AppendThen() only queues; Append()
// queues and waits for the line (for worker threads). The destructor writes what is
// queued before it returns. Each line written goes to the event log too (ReportAudit in
// agent/event_log/agent_events.h: the Windows service's Application log).
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/platform/append_file.h"

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
  // Lines queued at most; beyond, AppendThen refuses (RESOURCE_EXHAUSTED) and Append waits.
  static constexpr size_t kMaxQueued = 1024;
  // Room allocated past the end of the file before a mutating call runs (many lines).
  static constexpr size_t kReserveBytes = 64 << 10;

  explicit AuditLog(std::string path);
  ~AuditLog();  // writes every queued line, then stops the writer
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  const std::string& path() const { return path_; }

  // Queues the line and returns at once; `done` (may be empty) runs on the writer thread
  // once the line is durable or failed. Safe on gRPC callback threads.
  void AppendThen(AuditRecord record, std::function<void(absl::Status)> done);
  // Queues the line and waits until it is written and fsynced. Not on callback threads.
  absl::Status Append(const AuditRecord& record);
  // OK once the file is open at path and kReserveBytes past its end are allocated; else
  // UNAVAILABLE "audit log PATH: no room for the next lines (fallocate: No space left on
  // device)". Touches the disk: not on callback threads.
  absl::Status Reserve();

 private:
  struct Pending {
    std::string line;
    std::function<void(absl::Status)> done;
  };
  // False when the queue is full and wait_for_room is not set.
  bool Enqueue(Pending pending, bool wait_for_room);
  absl::Status Write(const std::string& line);
  void RunWriter();

  const std::string path_;
  absl::Mutex file_mu_;  // the writer thread and Reserve() callers
  platform::AppendOnlyFile file_ ABSL_GUARDED_BY(file_mu_);
  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;  // last: started once the rest is ready
};

}  // namespace osfleet::agent

// Which revision of server.hsconf each service was started on.
//
// OutSystems services read server.hsconf only when they start: after the file is changed
// or restored, a running service keeps the addresses it started with until it is
// restarted. So the agent records, for every service it starts, the revision the file had
// just before the start (and the service's process id where its backend knows it), in the
// state dir: a restarted agent still knows what its services run on. A running service the
// agent did not start, or that runs under another process id than recorded (restarted by
// something else: the SCM's recovery, a reboot, an administrator), runs on a revision the
// agent cannot tell, reported as unknown and treated as not the file's.
#pragma once

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "agent/outsystems_services/service_backend.h"

namespace osfleet::agent {

class RunningRevisions {
 public:
  // `path`: the record in the state dir (services.json); empty: kept in memory only.
  explicit RunningRevisions(std::string path) : path_(std::move(path)) {}

  // Reads the record an earlier run left. A missing record is an empty one; a corrupt one
  // is DATA_LOSS (naming the file) and is replaced by the next start.
  absl::Status Load();

  // `service` was started on `revision` (its process `pid`, 0 when not known).
  void Started(const std::string& service, const std::string& revision, int64_t pid);
  // `service` is stopped (or failed to start): it runs on nothing.
  void Stopped(const std::string& service);

  // The revision the service in `status` runs on; empty when it is not running or the
  // agent cannot tell.
  std::string RevisionOf(const ServiceStatus& status) const;

 private:
  struct Entry {
    std::string revision;
    int64_t pid = 0;
  };
  void SaveLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace osfleet::agent

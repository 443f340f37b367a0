// The agent's OutSystems services in start order: start / stop / restart a set of them,
// report every transition, and hold `min_healthy` after a start (every started service
// must stay running that long).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/activity/activity_board.h"
#include "agent/outsystems_services/running_revisions.h"
#include "agent/outsystems_services/service_backend.h"
#include "common/time/cancel.h"

namespace osfleet::agent {

enum class ServiceAction { kStart, kStop, kRestart };

struct ServiceEvent {
  std::string service;
  ServiceState state = ServiceState::kUnknown;
  std::string detail;
  absl::Time at;
};

using ServiceEventSink = std::function<void(const ServiceEvent&)>;

// What one service runs on (services read server.hsconf only when they start).
struct ServiceRevision {
  std::string service;
  bool running = false;
  std::string revision;  // empty: not running, or the agent cannot tell
};

class ServiceManager {
 public:
  // Order of `backends` = start order; stop runs in reverse.
  ServiceManager(std::vector<std::unique_ptr<ServiceBackend>> backends, absl::Duration min_healthy);

  std::vector<std::string> Names() const;
  std::vector<ServiceStatus> List();

  // One service as osctl doctor sees it: its backend knows it (ServiceBackend::CheckKnown),
  // and its state now.
  struct Known {
    ServiceStatus status;
    absl::Status known;
  };
  // Per service, in start order; asks only, changes nothing. Texts valid UTF-8.
  std::vector<Known> CheckKnown();

  // Records in `book` the revision `current_revision()` gives just before each start (and
  // forgets it at each stop). Call once, before the first Control; both outlive this.
  void TrackRevisions(RunningRevisions* book, std::function<std::string()> current_revision);
  // Every Control is on `board` while it runs (ServiceRestart, ServiceStart, ServiceStop;
  // the detail names the service in hand). Call once, before the first Control.
  void set_activity(ActivityBoard* board) { activity_ = board; }
  // Per service, in start order: running, and on which revision of server.hsconf.
  std::vector<ServiceRevision> Revisions();
  // The running services not started on `revision` (or on a revision the agent cannot
  // tell): they must restart for the file at `revision` to take effect. Empty when not
  // tracking.
  std::vector<std::string> RunningOnOtherThan(const std::string& revision);

  // names empty = every service. Unknown name -> INVALID_ARGUMENT (nothing done).
  // Restart = stop the set in reverse order, start it in order. After starting, waits
  // min_healthy (the constructor's when negative) and fails if any started service is
  // no longer running. The first
  // failure stops the sequence; its status carries the service's own reason. `sink`
  // gets every transition (stopping, stopped, starting, running, failed) as it happens.
  // `cancel` is asked before each service and while holding min_healthy: once the client
  // gave up, Control stops there (CANCELLED / DEADLINE_EXCEEDED; the services keep the
  // state reached). The default never stops (a change's own restart must not).
  absl::Status Control(ServiceAction action, const std::vector<std::string>& names,
                       absl::Duration min_healthy, const ServiceEventSink& sink,
                       const CancelToken& cancel = CancelToken());

 private:
  // Called by Control only, under its lock (one Control at a time).
  absl::Status StartTracked(ServiceBackend& backend, bool only_if_stopped,
                            const ServiceEventSink& sink) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StopTracked(ServiceBackend& backend, const ServiceEventSink& sink)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::vector<std::unique_ptr<ServiceBackend>> backends_;
  absl::Duration min_healthy_;
  RunningRevisions* book_ = nullptr;  // null: not tracking
  ActivityBoard* activity_ = nullptr;
  std::function<std::string()> current_revision_;
  absl::Mutex mu_;  // one Control at a time
};

}  // namespace osfleet::agent

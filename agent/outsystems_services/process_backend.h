// `process` backend: the agent starts the service as its own child (own process group,
// stdin /dev/null, stdout and stderr kept as the last lines), waits for readiness (TCP port
// accepts, or stays up), and stops it with SIGTERM to the group, then SIGKILL. A pid file
// in state_dir lets a restarted agent adopt a child that an earlier agent started.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/outsystems_services/child_process.h"
#include "agent/outsystems_services/service_backend.h"
#include "common/platform/child_process.h"

namespace osfleet::agent {

class ProcessBackend final : public ServiceBackend {
 public:
  // Creates state_dir/services and adopts the child named by this service's pid file when
  // that process is still alive (same pid and start time).
  static absl::StatusOr<std::unique_ptr<ProcessBackend>> Create(const ServiceConfig& config,
                                                                const std::string& state_dir);
  // Leaves a running child running (the agent may be restarting; the next one adopts it).
  ~ProcessBackend() override = default;

  const std::string& name() const override { return config_.name; }
  absl::Status Start() override;
  absl::Status Stop() override;
  ServiceStatus Status() override;
  absl::Status CheckKnown() override;

 private:
  struct Child;  // shared with the threads that read its output and reap it
  struct Adopted {
    platform::ProcessId pid = 0;
    uint64_t start_ticks = 0;  // platform::ProcessStartStamp
    absl::Time started_at = absl::InfinitePast();
  };

  ProcessBackend(ServiceConfig config, std::string pid_file);
  static void ReadOutput(std::shared_ptr<Child> child);
  static void Reap(std::shared_ptr<Child> child, std::string name);
  void Adopt();
  bool RunningNow() ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::shared_ptr<Child>> Launch();
  absl::Status AwaitReady(Child& child);
  absl::Status ExitedDuringStart(Child& child);
  absl::Status KillNotReady(Child& child);
  absl::Status StopChild(Child& child);
  absl::Status StopAdopted(const Adopted& adopted);
  static void FillAdoptedStatus(const Adopted& adopted, ServiceStatus& status);
  static void FillChildStatus(Child& child, ServiceStatus& status);
  void SetOutcome(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  const ServiceConfig config_;
  const std::string pid_file_;
  absl::Mutex op_mu_;  // one Start or Stop at a time; Status() never waits for it
  absl::Mutex mu_;
  std::shared_ptr<Child> child_ ABSL_GUARDED_BY(mu_);    // the latest child we started
  std::optional<Adopted> adopted_ ABSL_GUARDED_BY(mu_);  // a child of an earlier agent
  ServiceState transition_ ABSL_GUARDED_BY(mu_) = ServiceState::kUnknown;  // kStarting...
  std::string failure_ ABSL_GUARDED_BY(mu_);  // why the last Start failed
};

}  // namespace osfleet::agent

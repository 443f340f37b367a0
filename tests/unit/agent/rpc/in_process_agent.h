// The agent's gRPC services (agent/rpc/*_service.h) served in this process over the real
// classes below them — HsconfStore on a copy of a fixture in a temp dir, ChangeManager,
// FleetHold, CallGate with its limiter and audit log — on a clock the test moves, and
// reached through an in-process channel: no port, no TLS. What the adapter layer does
// (request checks, proto <-> model, status codes, deadlines) is seen as a client sees it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "agent/admission/audit_log.h"
#include "agent/admission/authz.h"
#include "agent/admission/call_gate.h"
#include "agent/admission/call_limiter.h"
#include "agent/endpoints/backup_store.h"
#include "agent/endpoints/change_manager.h"
#include "agent/endpoints/fleet_hold.h"
#include "agent/endpoints/hsconf_store.h"
#include "agent/outsystems_services/service_manager.h"
#include "agent/probe/probe_targets.h"
#include "agent/rpc/endpoints_service.h"
#include "agent/rpc/service_center_service.h"
#include "agent/rpc/services_service.h"
#include "agent/server/executor.h"
#include "agent/server/lanes.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "osfleet/v1/services.grpc.pb.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent::in_process {

// A read queued longer than this is refused (CallGate's read deadline; agent_server.h's
// kReadDeadline in the real agent).
inline constexpr absl::Duration kReadDeadline = absl::Seconds(30);

struct InProcessOptions {
  // kInsecure: every caller is an operator; kTls: every caller is a viewer (as over TLS
  // without client certificates), whatever the channel.
  Transport transport = Transport::kInsecure;
  int max_calls = 64;  // the agent's max_concurrent_calls (call_limiter.h's LimitsFor)
};

class InProcessAgent {
 public:
  explicit InProcessAgent(InProcessOptions options = {});
  ~InProcessAgent();  // stops serving, then runs what the lanes still hold

  std::unique_ptr<v1::Endpoints::Stub> Endpoints() const;
  std::unique_ptr<v1::Services::Stub> Services() const;
  std::unique_ptr<v1::ServiceCenter::Stub> ServiceCenter() const;

  osfleet::testing::FakeClock& clock() { return clock_; }
  const std::string& hsconf_path() const { return hsconf_path_; }
  HsconfStore& store() { return store_; }
  CallLimiter& limiter() { return limiter_; }
  // The audit log's lines so far (written before each mutating call's answer).
  std::string AuditLines() const;

  // The lanes (one thread each), for a test that holds one (LaneBlocker) to see what
  // happens to a call queued on it.
  Executor& reads() { return reads_; }
  Executor& work() { return work_; }

 private:
  Lanes AllLanes();

  osfleet::testing::TempDir tmp_;  // first: removed after everything that uses it
  osfleet::testing::FakeClock clock_;
  const std::string hsconf_path_;
  CallLimiter limiter_;
  AuditLog audit_;
  CallGate gate_;
  BackupStore backups_;
  HsconfStore store_;
  ServiceManager services_;  // no services: Control and restarts have nothing to do
  ChangeManager changes_;
  FleetHold hold_;
  EndpointsService endpoints_service_;
  ServicesService services_service_;
  ServiceCenterService service_center_service_;  // no `service_center` section
  // After the services: destroyed first, running what is queued while they still exist.
  Executor reads_;
  Executor work_;
  Executor rollback_;
  Executor control_;
  Executor phase_;
  Executor checks_;
  Executor probe_lane_;
  Executor viewer_probe_lane_;
  ProbeRunner probes_;
  std::unique_ptr<grpc::Server> server_;
};

// Holds the thread of a one-thread lane from construction until Release() or destruction,
// so that calls posted to it meanwhile queue.
class LaneBlocker {
 public:
  explicit LaneBlocker(Executor& lane);
  ~LaneBlocker() { Release(); }
  void Release();

 private:
  absl::Notification release_;
};

// Runs nothing until every task posted to `lane` before it has run (one-thread lanes).
void Drain(Executor& lane);

// A client's context with a deadline far enough not to matter (30 s).
std::unique_ptr<grpc::ClientContext> CallContext();

google::protobuf::Duration ProtoDuration(absl::Duration d);
absl::Duration DurationOf(const google::protobuf::Duration& d);

// True once `ready` holds, polled every millisecond for at most `limit` of real time.
bool Eventually(const std::function<bool()>& ready, absl::Duration limit = absl::Seconds(30));

}  // namespace osfleet::agent::in_process

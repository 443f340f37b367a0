// Everything one osagent process serves: the state dir, the hsconf store, the gRPC
// services, health and reflection, bound and running.
//
// Lanes: gRPC callback handlers never block; each posts its work to the executor (lane)
// its RPC's row names (agent/admission/rpc_policy.h, the one table of each RPC's role,
// call class, audit and lane; agent/server/lanes.h), so a time-critical call never waits
// behind a long one. Health is answered by gRPC itself. Calls take slots under the caps of
// call_limiter.h (LimitsFor(max_concurrent_calls)): an eighth kept for Confirm, Renew and
// Rollback, a quarter at most for viewers, Probe 8 from operators and 4 from viewers, so
// neither a flood of long calls nor a viewer can refuse an operator's Set or Confirm. Long
// calls stop when their client cancels or its deadline passes (common/time/cancel.h); a Set's
// own restart never does.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/admission/audit_log.h"
#include "agent/admission/authz.h"
#include "agent/admission/call_gate.h"
#include "agent/admission/call_limiter.h"
#include "agent/admission/crl_store.h"
#include "agent/agent_yaml/agent_config.h"
#include "agent/doctor/agent_doctor.h"
#include "agent/endpoints/backup_store.h"
#include "agent/endpoints/change_manager.h"
#include "agent/endpoints/fleet_hold.h"
#include "agent/endpoints/hsconf_store.h"
#include "agent/endpoints/state_dir.h"
#include "agent/outsystems_services/service_manager.h"
#include "agent/probe/probe_targets.h"
#include "agent/rpc/agent_service.h"
#include "agent/rpc/endpoints_service.h"
#include "agent/rpc/reflection_service.h"
#include "agent/rpc/service_center_service.h"
#include "agent/rpc/services_service.h"
#include "agent/server/executor.h"
#include "agent/server/lanes.h"
#include "agent/service_center/phase_driver.h"
#include "common/platform/tcp_listener.h"

namespace osfleet::agent {

// Requests are a few hundred bytes; anything bigger is refused (RESOURCE_EXHAUSTED).
inline constexpr int kMaxRequestBytes = 256 << 10;
// Streams one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
inline constexpr int kMaxStreamsPerConnection = 32;
// A read that has not started this long after it arrived is refused (DEADLINE_EXCEEDED).
inline constexpr absl::Duration kReadDeadline = absl::Seconds(30);

class AgentServer {
 public:
  // Opens the state dir, binds, starts serving and reads server.hsconf once (health is
  // SERVING only when that read succeeds).
  static absl::StatusOr<std::unique_ptr<AgentServer>> Start(AgentConfig config);
  ~AgentServer();

  int port() const { return port_; }
  // Stops accepting calls and waits up to `grace` for those in flight.
  void Shutdown(absl::Duration grace);
  void Wait() { server_->Wait(); }

 private:
  AgentServer(AgentConfig config, StateDir state_dir,
              std::vector<std::unique_ptr<ServiceBackend>> backends,
              std::unique_ptr<PhaseDriver> phase_driver, std::unique_ptr<CrlStore> crl);
  absl::Status Build();
  void SetHealth(bool serving);
  void StartServicesInBackground();
  void AuditAutoRevert(const AutoRevert& revert);
  EndpointsDeps MakeEndpointsDeps();
  Lanes MakeLanes();

  AgentConfig config_;
  StateDir state_dir_;
  // Before the executors and services: calls in their queues hold slots and use them.
  CallLimiter limiter_;
  AuditLog audit_;
  std::unique_ptr<CrlStore> crl_;  // null without tls.crl; before gate_, which reads it
  CallGate gate_;
  // What runs now (Agent.GetActivity); before everything that puts its steps on it.
  ActivityBoard activity_;
  BackupStore backups_;
  HsconfStore store_;
  RunningRevisions running_;  // what the services were started on; before services_
  ServiceManager services_;
  std::unique_ptr<ConfigurationTool> tool_;  // null without `configuration_tool:`
  ChangeManager changes_;
  FleetHold hold_;  // the fleet-wide hold (kept only when this is the Deployment Controller)
  Executor critical_lane_;  // the lanes (above; their threads: agent_server.cc)
  Executor rollback_lane_;
  Executor change_lane_;
  Executor control_lane_;
  Executor probe_lane_;
  Executor viewer_probe_lane_;
  ProbeRunner probes_;  // on the two probe lanes
  Executor phase_lane_;
  EndpointsService endpoints_service_;
  ServicesService services_service_;
  std::unique_ptr<PhaseDriver> phase_driver_;  // null unless configured
  ServiceCenterService service_center_service_;
  AgentDoctor doctor_;  // before its lane, whose tasks use it
  Executor check_lane_;
  AgentService agent_service_;
  ReflectionService reflection_;  // grpc.reflection.v1 and v1alpha
  std::unique_ptr<grpc::Server> server_;
  // Our own accept loop (connections capped, descriptors kept in reserve) hands its
  // connections to gRPC through acceptor_; destroyed first, so it stops before the server.
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::unique_ptr<platform::TcpListener> listener_;
  int port_ = 0;
};

}  // namespace osfleet::agent

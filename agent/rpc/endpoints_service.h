// osfleet.v1.Endpoints over gRPC: adapts requests to HsconfStore (reads) and
// ChangeManager (changes, confirm window, reverts), which hold the logic. The handlers are
// in endpoints_service.cc (reads, Probe), endpoints_changes.cc (a change's life: Plan, Set,
// Restart, Rollback, Confirm, Renew) and endpoints_hold.cc (the fleet hold);
// endpoints_connections.cc has Connections (what still talks to an address).
#pragma once

#include <functional>

#include "agent/admission/call_gate.h"
#include "agent/endpoints/change_manager.h"
#include "agent/endpoints/fleet_hold.h"
#include "agent/endpoints/hsconf_store.h"
#include "agent/probe/probe.h"
#include "agent/probe/probe_targets.h"
#include "agent/server/lanes.h"
#include "osfleet/v1/endpoints.grpc.pb.h"

namespace osfleet::agent {

struct EndpointsDeps {
  HsconfStore* store = nullptr;
  ChangeManager* changes = nullptr;
  FleetHold* hold = nullptr;  // the fleet-wide hold (kept on the Deployment Controller only)
  Lanes lanes;                // each RPC runs on the lane its row names (rpc_policy.h)
  const ProbeRunner* probes = nullptr;  // Probe's targets, on the probe lanes
  ProbeOptions probe;
  std::function<void(bool)> on_read;  // told whether the file could be read (health)
  const CallGate* gate = nullptr;     // authorization, call cap, audit
};

class EndpointsService final : public v1::Endpoints::CallbackService {
 public:
  explicit EndpointsService(EndpointsDeps deps);

  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const v1::GetEndpointsRequest* request,
                                v1::GetEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const v1::PlanEndpointsRequest* request,
                                 v1::PlanEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* Set(grpc::CallbackServerContext* context,
                                const v1::SetEndpointsRequest* request,
                                v1::SetEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* ListBackups(grpc::CallbackServerContext* context,
                                        const v1::ListBackupsRequest* request,
                                        v1::ListBackupsResponse* response) override;
  grpc::ServerUnaryReactor* Rollback(grpc::CallbackServerContext* context,
                                     const v1::RollbackRequest* request,
                                     v1::RollbackResponse* response) override;
  grpc::ServerUnaryReactor* Confirm(grpc::CallbackServerContext* context,
                                    const v1::ConfirmRequest* request,
                                    v1::ConfirmResponse* response) override;
  grpc::ServerUnaryReactor* Renew(grpc::CallbackServerContext* context,
                                  const v1::RenewRequest* request,
                                  v1::RenewResponse* response) override;
  grpc::ServerUnaryReactor* Restart(grpc::CallbackServerContext* context,
                                    const v1::RestartChangeRequest* request,
                                    v1::SetEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* Probe(grpc::CallbackServerContext* context,
                                  const v1::ProbeRequest* request,
                                  v1::ProbeResponse* response) override;
  // What on this server still talks to an address (endpoints_connections.cc).
  grpc::ServerUnaryReactor* Connections(grpc::CallbackServerContext* context,
                                        const v1::ConnectionsRequest* request,
                                        v1::ConnectionsResponse* response) override;
  // The fleet-wide hold (endpoints_hold.cc).
  grpc::ServerUnaryReactor* TakeHold(grpc::CallbackServerContext* context,
                                     const v1::TakeHoldRequest* request,
                                     v1::HoldResponse* response) override;
  grpc::ServerUnaryReactor* RenewHold(grpc::CallbackServerContext* context,
                                      const v1::RenewHoldRequest* request,
                                      v1::HoldResponse* response) override;
  grpc::ServerUnaryReactor* ReleaseHold(grpc::CallbackServerContext* context,
                                        const v1::ReleaseHoldRequest* request,
                                        v1::ReleaseHoldResponse* response) override;

 private:
  absl::Status DoGet(v1::GetEndpointsResponse* response);
  absl::Status DoPlan(const v1::PlanEndpointsRequest& request, v1::PlanEndpointsResponse* response);
  // owner: the caller's key (OwnerKey), who alone may renew the change's lease.
  absl::Status DoSet(const v1::SetEndpointsRequest& request, const std::string& owner,
                     v1::SetEndpointsResponse* response, AuditRecord* audit);
  absl::Status DoRollback(const v1::RollbackRequest& request, v1::RollbackResponse* response,
                          AuditRecord* audit);
  absl::Status DoRestart(const v1::RestartChangeRequest& request,
                         v1::SetEndpointsResponse* response, AuditRecord* audit);
  absl::Status DoConfirm(const v1::ConfirmRequest& request, v1::ConfirmResponse* response);
  // *audited set when the call earns an audit line (it moved the lease's end, or the
  // change is another client's); `audit` then holds its change id and details.
  absl::Status DoRenew(const v1::RenewRequest& request, const std::string& owner,
                       v1::RenewResponse* response, AuditRecord* audit, bool* audited);
  // Checks the request and starts its probes: an error when nothing was started, else
  // OK and `finish` runs once, with the call's status, after the response is filled.
  absl::Status DoProbe(const v1::ProbeRequest& request, v1::ProbeResponse* response, bool viewer,
                       ProbeOptions call, std::function<void(absl::Status)> finish);

  // Checks the request, resolves its address and fills the response; blocking (on the
  // caller's probe lane), bounded by `call`'s deadline and cancel.
  absl::Status DoConnections(const v1::ConnectionsRequest& request,
                             v1::ConnectionsResponse* response, bool viewer, ProbeOptions call);

  absl::Status DoTakeHold(const v1::TakeHoldRequest& request, const Caller& caller,
                          v1::HoldResponse* response, AuditRecord* audit);
  absl::Status DoRenewHold(const v1::RenewHoldRequest& request, const Caller& caller,
                           v1::HoldResponse* response, AuditRecord* audit);
  absl::Status DoReleaseHold(const v1::ReleaseHoldRequest& request, const Caller& caller,
                             v1::ReleaseHoldResponse* response, AuditRecord* audit);

  EndpointsDeps deps_;
};

}  // namespace osfleet::agent

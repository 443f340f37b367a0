// osfleet.v1.ServiceCenter over gRPC: adapts RunPhase to the configured PhaseDriver (its
// Apply Settings, wait and module-listing events included).
// Agents without a `service_center` section answer FAILED_PRECONDITION.
#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/admission/call_gate.h"
#include "agent/rpc/event_stream.h"
#include "agent/server/lanes.h"
#include "agent/service_center/phase_driver.h"
#include "osfleet/v1/service_center.grpc.pb.h"

namespace osfleet::agent {

class ServiceCenterService final : public v1::ServiceCenter::CallbackService {
 public:
  // driver may be null (not configured here). The phase runs on a lane of its own, one at
  // a time: a second is refused with ABORTED, never queued.
  // activity (may be null): where the running phase shows (Agent.GetActivity).
  ServiceCenterService(PhaseDriver* driver, Lanes lanes, absl::Duration default_deadline,
                       const CallGate* gate, ActivityBoard* activity = nullptr);

  grpc::ServerWriteReactor<v1::PhaseEvent>* RunPhase(grpc::CallbackServerContext* context,
                                                     const v1::RunPhaseRequest* request) override;

 private:
  // OK and running_ set, or why this phase cannot start.
  absl::Status Claim();
  void Release();  // running_ cleared
  // The admitted phase (stream_call.h): runs it when `start` is OK, fills its audit line and
  // releases the claim.
  absl::Status Run(const PhaseOptions& options, EventStream<v1::PhaseEvent>* stream,
                   absl::Status start, AuditRecord* audit);

  PhaseDriver* driver_;
  Lanes lanes_;
  absl::Duration default_deadline_;
  const CallGate* gate_;
  ActivityBoard* activity_;
  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace osfleet::agent

// osfleet.v1.Agent over gRPC: what this agent is and what it manages (GetInfo), and the
// read-only checks of `osctl doctor` (Check, on a lane of its own: AgentDoctor blocks).
#pragma once

#include "absl/time/time.h"
#include "agent/activity/activity_board.h"
#include "agent/admission/call_gate.h"
#include "agent/agent_yaml/agent_config.h"
#include "agent/doctor/agent_doctor.h"
#include "agent/endpoints/hsconf_store.h"
#include "agent/outsystems_services/service_manager.h"
#include "agent/server/lanes.h"
#include "osfleet/v1/agent.grpc.pb.h"

namespace osfleet::agent {

class AgentService final : public v1::Agent::CallbackService {
 public:
  AgentService(const AgentConfig* config, HsconfStore* store, ServiceManager* services, Lanes lanes,
               const CallGate* gate, const AgentDoctor* doctor,
               const ActivityBoard* activity = nullptr);

  grpc::ServerUnaryReactor* GetInfo(grpc::CallbackServerContext* context,
                                    const v1::GetInfoRequest* request,
                                    v1::AgentInfo* response) override;
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const v1::CheckRequest* request,
                                  v1::CheckResponse* response) override;
  // The activity board as it is now (an empty list without one).
  grpc::ServerUnaryReactor* GetActivity(grpc::CallbackServerContext* context,
                                        const v1::GetActivityRequest* request,
                                        v1::GetActivityResponse* response) override;

 private:
  void Fill(v1::AgentInfo* info) const;
  void FillCheck(absl::Time deadline, const CancelToken& cancel, v1::CheckResponse* response) const;

  const AgentConfig* config_;
  HsconfStore* store_;
  ServiceManager* services_;
  Lanes lanes_;
  const CallGate* gate_;
  const AgentDoctor* doctor_;
  const ActivityBoard* activity_;
  absl::Time started_at_;
};

}  // namespace osfleet::agent

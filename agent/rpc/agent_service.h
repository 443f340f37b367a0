// osfleet.v1.Agent over gRPC: what this agent is and what it manages.
#pragma once

#include "absl/time/time.h"
#include "agent/admission/call_gate.h"
#include "agent/config/agent_config.h"
#include "agent/endpoints/hsconf_store.h"
#include "agent/os_services/service_manager.h"
#include "agent/server/executor.h"
#include "osfleet/v1/agent.grpc.pb.h"

namespace osfleet::agent {

class AgentService final : public v1::Agent::CallbackService {
 public:
  AgentService(const AgentConfig* config, HsconfStore* store, ServiceManager* services,
               Executor* executor, const CallGate* gate);

  grpc::ServerUnaryReactor* GetInfo(grpc::CallbackServerContext* context,
                                    const v1::GetInfoRequest* request,
                                    v1::AgentInfo* response) override;

 private:
  void Fill(v1::AgentInfo* info) const;

  const AgentConfig* config_;
  HsconfStore* store_;
  ServiceManager* services_;
  Executor* executor_;
  const CallGate* gate_;
  absl::Time started_at_;
};

}  // namespace osfleet::agent

// The executors calls run on, one per lane of rpc_policy.h; a handler posts its work to
// the lane its RPC's row names (Lanes::For), never to one it picks itself. Not owned: the
// AgentServer owns the executors (their thread counts are in agent_server.cc).
#pragma once

#include "agent/admission/rpc_policy.h"
#include "agent/server/executor.h"

namespace osfleet::agent {

struct Lanes {
  Executor* critical = nullptr;
  Executor* rollback = nullptr;
  Executor* changes = nullptr;
  Executor* control = nullptr;
  Executor* probes = nullptr;         // operators' probes
  Executor* viewer_probes = nullptr;  // viewers' (never ahead of an operator's)
  Executor* phase = nullptr;
  Executor* checks = nullptr;

  // The executor of `lane`; a viewer's probe runs on viewer_probes.
  Executor* For(Lane lane, bool viewer = false) const;
  Executor* For(const RpcPolicy& rpc, bool viewer = false) const { return For(rpc.lane, viewer); }
};

}  // namespace osfleet::agent

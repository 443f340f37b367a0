#include "agent/admission/rpc_policy.h"

namespace osfleet::agent {

const RpcPolicy& RpcPolicyNamed(absl::string_view name) {
  for (const RpcPolicy* rpc : rpcs::kAllRpcs) {
    if (rpc->name == name) return *rpc;
  }
  return rpcs::kUnknown;
}

}  // namespace osfleet::agent

#include "agent/admission/rpc_policy.h"

namespace osfleet::agent {
namespace {

constexpr const RpcPolicy* kAll[] = {
    &rpcs::kAgentGetInfo,          &rpcs::kAgentCheck,
    &rpcs::kEndpointsGet,          &rpcs::kEndpointsPlan,
    &rpcs::kEndpointsListBackups,  &rpcs::kEndpointsProbe,
    &rpcs::kEndpointsSet,          &rpcs::kEndpointsRestart,
    &rpcs::kEndpointsRollback,     &rpcs::kEndpointsConfirm,
    &rpcs::kEndpointsRenew,        &rpcs::kEndpointsTakeHold,
    &rpcs::kEndpointsRenewHold,    &rpcs::kEndpointsReleaseHold,
    &rpcs::kServicesList,          &rpcs::kServicesControl,
    &rpcs::kServiceCenterRunPhase,
};

}  // namespace

absl::Span<const RpcPolicy* const> AllRpcPolicies() { return kAll; }

const RpcPolicy& RpcPolicyNamed(absl::string_view name) {
  for (const RpcPolicy* rpc : kAll) {
    if (rpc->name == name) return *rpc;
  }
  return rpcs::kUnknown;
}

}  // namespace osfleet::agent

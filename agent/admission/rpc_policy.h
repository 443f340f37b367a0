// The one table of what each osfleet.v1 RPC is to the agent: the role it needs, the class
// its slot is counted in (call_limiter.h), its audit lines, the lane it runs on and whether
// it streams. Authorization (authz.cc), the call gate (call_gate.cc) and the handlers
// (agent/rpc/) all read it; a handler names its row (rpcs::kEndpointsSet), never a string,
// so a typo fails to compile rather than silently changing a call's class.
// tests/unit/agent/admission/rpc_policy_test.cc walks the generated service descriptors: an
// RPC without a row, or a row without an RPC, fails it.
//
// gRPC's health and reflection services have no rows: any caller the transport admits may
// use them, they take no call slot and are answered on gRPC's own threads (health) or the
// callback thread from memory (reflection_service.h).
#pragma once

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "agent/admission/authz.h"
#include "agent/admission/call_limiter.h"

namespace osfleet::agent {

// Which audit lines a call leaves (audit_log.h).
enum class Audit {
  kNever,  // a read: no line, not even when refused
  // A line when it ended or was refused; it does not start while its line cannot be made
  // durable (AuditLog::Reserve).
  kEveryCall,
  // Endpoints.Renew: a line only when it moved a lease's end or was refused, queued without
  // waiting for the disk; never refused for the audit log (a lease must not end because the
  // disk is full).
  kWhenActed,
};

// The executor a call runs on (agent/server/lanes.h), so that a time-critical call never
// waits behind a long one. The thread counts are in agent_server.cc.
enum class Lane {
  kCritical,  // worker_threads: milliseconds each (reads, Confirm, Renew, the fleet hold)
  kRollback,  // Endpoints.Rollback alone: never behind a Set, a probe or a phase
  kChanges,   // may restart the services (Set, Restart)
  kControl,   // Services.Control, and the start of the services at start-up
  kProbes,    // Endpoints.Probe, one task per target; viewers' probes on a lane of their own
  kPhase,     // ServiceCenter.RunPhase: one at a time (a second is refused, never queued)
  kChecks,    // Agent.Check (osctl doctor): status commands, Service Center's answers
};

// A reply of one message, or a stream of them (the server's).
enum class Reply { kUnary, kStream };

struct RpcPolicy {
  // "Endpoints.Set": the method descriptor's full name without the package (osfleet.v1.),
  // and what logs, audit lines and refusals call the RPC.
  absl::string_view name;
  ClientRole role;
  CallClass call_class;
  Audit audit;
  Lane lane;
  Reply reply;

  // Changes something: the calls that need the operator role, and only those, are audited.
  constexpr bool mutating() const { return audit != Audit::kNever; }
};

// A read: any role may call it, and it leaves no audit line.
constexpr RpcPolicy ReadRpc(absl::string_view name, CallClass call_class, Lane lane) {
  return {name, ClientRole::kViewer, call_class, Audit::kNever, lane, Reply::kUnary};
}
// A change: the operator role only, audited.
constexpr RpcPolicy ChangeRpc(absl::string_view name, CallClass call_class, Audit audit, Lane lane,
                              Reply reply = Reply::kUnary) {
  return {name, ClientRole::kOperator, call_class, audit, lane, reply};
}

// The rows, one per RPC; every one is also listed in kAllRpcs below.
namespace rpcs {

inline constexpr RpcPolicy kAgentGetInfo =
    ReadRpc("Agent.GetInfo", CallClass::kRead, Lane::kCritical);
// Long: it waits on status commands and on Service Center's answers.
inline constexpr RpcPolicy kAgentCheck = ReadRpc("Agent.Check", CallClass::kLong, Lane::kChecks);
// Reads the activity board and the end of the tool's log: quick, on the critical lane.
inline constexpr RpcPolicy kAgentGetActivity =
    ReadRpc("Agent.GetActivity", CallClass::kRead, Lane::kCritical);

inline constexpr RpcPolicy kEndpointsGet =
    ReadRpc("Endpoints.Get", CallClass::kRead, Lane::kCritical);
inline constexpr RpcPolicy kEndpointsPlan =
    ReadRpc("Endpoints.Plan", CallClass::kRead, Lane::kCritical);
inline constexpr RpcPolicy kEndpointsListBackups =
    ReadRpc("Endpoints.ListBackups", CallClass::kRead, Lane::kCritical);
inline constexpr RpcPolicy kEndpointsProbe =
    ReadRpc("Endpoints.Probe", CallClass::kProbe, Lane::kProbes);
// Resolves a name on the server and reads its connection table: a probe's class and lanes.
inline constexpr RpcPolicy kEndpointsConnections =
    ReadRpc("Endpoints.Connections", CallClass::kProbe, Lane::kProbes);
inline constexpr RpcPolicy kEndpointsSet =
    ChangeRpc("Endpoints.Set", CallClass::kLong, Audit::kEveryCall, Lane::kChanges);
// It restarts the services as Set does, but its slot is an ordinary one.
inline constexpr RpcPolicy kEndpointsRestart =
    ChangeRpc("Endpoints.Restart", CallClass::kRead, Audit::kEveryCall, Lane::kChanges);
// Rollback, Confirm and Renew may use the reserve of the call cap: a busy agent must still
// end a change the way its client wants.
inline constexpr RpcPolicy kEndpointsRollback =
    ChangeRpc("Endpoints.Rollback", CallClass::kReserved, Audit::kEveryCall, Lane::kRollback);
inline constexpr RpcPolicy kEndpointsConfirm =
    ChangeRpc("Endpoints.Confirm", CallClass::kReserved, Audit::kEveryCall, Lane::kCritical);
inline constexpr RpcPolicy kEndpointsRenew =
    ChangeRpc("Endpoints.Renew", CallClass::kReserved, Audit::kWhenActed, Lane::kCritical);
// The fleet hold's renewal and release take the reserve as Renew does: a busy agent must
// not let a rollout's hold end. TakeHold is an ordinary cheap call.
inline constexpr RpcPolicy kEndpointsTakeHold =
    ChangeRpc("Endpoints.TakeHold", CallClass::kRead, Audit::kEveryCall, Lane::kCritical);
inline constexpr RpcPolicy kEndpointsRenewHold =
    ChangeRpc("Endpoints.RenewHold", CallClass::kReserved, Audit::kEveryCall, Lane::kCritical);
inline constexpr RpcPolicy kEndpointsReleaseHold =
    ChangeRpc("Endpoints.ReleaseHold", CallClass::kReserved, Audit::kEveryCall, Lane::kCritical);

inline constexpr RpcPolicy kServicesList =
    ReadRpc("Services.List", CallClass::kRead, Lane::kCritical);
inline constexpr RpcPolicy kServicesControl = ChangeRpc(
    "Services.Control", CallClass::kLong, Audit::kEveryCall, Lane::kControl, Reply::kStream);

inline constexpr RpcPolicy kServiceCenterRunPhase = ChangeRpc(
    "ServiceCenter.RunPhase", CallClass::kLong, Audit::kEveryCall, Lane::kPhase, Reply::kStream);

// What a name the table does not know is taken for: the strictest, the operator role and
// audited, with an ordinary slot. Handlers never get it: they name their rows.
inline constexpr RpcPolicy kUnknown =
    ChangeRpc("", CallClass::kRead, Audit::kEveryCall, Lane::kCritical);

// Every row above but kUnknown (a new RPC: its row, and its line here).
inline constexpr const RpcPolicy* kAllRpcs[] = {
    &kAgentGetInfo,          &kAgentCheck,           &kEndpointsGet,     &kEndpointsPlan,
    &kEndpointsListBackups,  &kEndpointsProbe,       &kEndpointsSet,     &kEndpointsRestart,
    &kEndpointsRollback,     &kEndpointsConfirm,     &kEndpointsRenew,   &kEndpointsTakeHold,
    &kEndpointsRenewHold,    &kEndpointsReleaseHold, &kServicesList,     &kServicesControl,
    &kServiceCenterRunPhase, &kEndpointsConnections, &kAgentGetActivity,
};

}  // namespace rpcs

// Every row of rpcs:: but kUnknown.
inline absl::Span<const RpcPolicy* const> AllRpcPolicies() { return rpcs::kAllRpcs; }

// The row named `name` ("Endpoints.Set"), or rpcs::kUnknown.
const RpcPolicy& RpcPolicyNamed(absl::string_view name);

// Takes a slot from the part of the cap not reserved for the others, and may run for long
// (Set, Probe, Services.Control, ServiceCenter.RunPhase, Agent.Check).
constexpr bool IsLong(const RpcPolicy& rpc) {
  return rpc.call_class == CallClass::kLong || rpc.call_class == CallClass::kProbe;
}

}  // namespace osfleet::agent

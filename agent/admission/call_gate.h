// What every handler does first and last: identify and authorize the caller, take a
// slot under the caps of calls in progress (call_limiter.h: per role and per kind of call,
// with a reserve for Confirm, Renew and Rollback), and — for mutating calls — write the
// audit line once the call finished (or was refused), and refuse to start one whose line
// cannot be written. What each RPC needs and is comes from its row in rpc_policy.h. The decisions
// are taken on plain values (who, which RPC, when), so they are tested without a gRPC server; the
// overloads taking a gRPC context only read those values from it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/admission/audit_log.h"
#include "agent/admission/authz.h"
#include "agent/admission/call_limiter.h"
#include "agent/admission/rpc_policy.h"
#include "common/time/clock.h"

namespace osfleet::agent {

class CallGate;

// A call at its handler's entry. status OK: serve it; otherwise finish with status.
struct Admission {
  absl::Status status;
  const CallGate* gate = nullptr;
  std::string rpc;  // "Endpoints.Set"
  std::string peer;
  Caller caller;
  CallSlot slot;                                 // released when the call is done
  absl::Time start_by = absl::InfiniteFuture();  // reads queued longer are refused
  bool audit_refusal = false;                    // a refused mutating call: Refuse() audits it

  // The call's row in the table (rpc_policy.h).
  const RpcPolicy& policy() const { return RpcPolicyNamed(rpc); }
};

// What the call's row in rpc_policy.h says of an RPC ("Endpoints.Set"); a name the table
// does not know is taken for an audited operator's call with an ordinary slot.
//   IsAudited: it leaves a line when it ends or is refused (Audit::kEveryCall); not
//     Endpoints.Renew, whose lines CallGate::Note queues.
//   IsLongRunning: its slot comes only from the part of the cap not reserved for the others.
//   ClassOf: the class its slot is counted in (call_limiter.h).
bool IsAudited(absl::string_view rpc);
bool IsLongRunning(absl::string_view rpc);
CallClass ClassOf(absl::string_view rpc);

class CallGate {
 public:
  // read_deadline: a read that has not started within it is refused (DEADLINE_EXCEEDED)
  // whatever the client's own deadline, so a slow agent sheds queued reads.
  CallGate(Authorizer authz, CallLimiter* limiter, AuditLog* audit, absl::Duration read_deadline,
           const Clock* clock = Clock::Real());

  // A handler's call to the RPC of row `rpc` (rpc_policy.h: rpcs::kEndpointsSet).
  Admission Admit(grpc::CallbackServerContext* context, const RpcPolicy& rpc) const;
  // The same for a caller already identified (or not: `who` is then the reason).
  Admission Admit(std::string peer, const absl::StatusOr<Caller>& who, const RpcPolicy& rpc) const;
  // ... and for an RPC by name ("Endpoints.Set"; a name not in the table: rpcs::kUnknown).
  Admission Admit(std::string peer, const absl::StatusOr<Caller>& who, absl::string_view rpc) const;
  // A call refused at admission (status not OK): audits it when it was a mutating call,
  // then runs `finish` (which finishes the reactor) once the line is durable. Never waits:
  // for gRPC callback threads; `finish` may run on the audit log's writer thread.
  void Refuse(const Admission& admission, std::function<void()> finish) const;
  // A mutating call ended with `status`: log it and append its audit line (a failed
  // audit write is logged, never fails the call). Waits for the write: on workers only.
  void Finished(const Admission& admission, AuditRecord record, const absl::Status& status) const;
  // For a call not audited as a whole (Endpoints.Renew) that did something worth a line —
  // moved a lease's end, or was refused: queues its line and returns at once (a lease must
  // not wait for the disk); a failed write is logged.
  void Note(const Admission& admission, AuditRecord record, const absl::Status& status) const;
  // OK, or why an admitted call must not start now (cancelled, queued too long, or — for an
  // audited call — UNAVAILABLE when its audit line cannot be made durable: AuditLog::Reserve).
  // Touches the disk for audited calls: on workers only.
  absl::Status CheckStart(grpc::CallbackServerContext* context, const Admission& admission) const;
  absl::Status CheckStart(bool cancelled, const Admission& admission) const;

 private:
  Admission Admit(std::string peer, const absl::StatusOr<Caller>& who, absl::string_view name,
                  const RpcPolicy& rpc) const;
  // The record with the call's identity, peer, RPC, result and time filled in.
  AuditRecord Record(const Admission& admission, AuditRecord record,
                     const absl::Status& status) const;

  Authorizer authz_;
  CallLimiter* limiter_;
  AuditLog* audit_;
  absl::Duration read_deadline_;
  const Clock* clock_;
};

}  // namespace osfleet::agent

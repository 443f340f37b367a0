// Runs a handler's work on the lane its RPC's row names (rpc_policy.h) and finishes the
// unary reactor from there, so the callback thread never blocks; the cancellation token of
// a call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/admission/call_gate.h"
#include "agent/server/lanes.h"
#include "common/api/status_util.h"
#include "common/time/cancel.h"

namespace osfleet::agent {

// Cancelled once the client cancels the call or its deadline passes. Valid until the
// call's reactor is finished.
inline CancelToken CallCancelToken(grpc::CallbackServerContext* context) {
  return CancelToken([context] { return context->IsCancelled(); },
                     absl::FromChrono(context->deadline()));
}

// Runs body(Admission&, start) on the call's lane and finishes the reactor with its status. A call
// refused at admission finishes at once; one whose client already gave up (cancelled, deadline
// passed) or that queued past its server-side deadline gets that status as `start` instead of
// running. The call's slot is freed exactly once, just before Finish.
template <typename Body>
grpc::ServerUnaryReactor* RunAdmitted(grpc::CallbackServerContext* context, const Lanes& lanes,
                                      Admission admission, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!admission.status.ok()) {
    // A refused mutating call is audited first; a RESOURCE_EXHAUSTED ran nothing.
    const Admission& refused = admission;
    refused.gate->Refuse(
        refused, [reactor, status = ToGrpcStatus(refused.status)] { reactor->Finish(status); });
    return reactor;
  }
  Executor* lane = lanes.For(admission.policy(), admission.caller.role == ClientRole::kViewer);
  auto a = std::make_shared<Admission>(std::move(admission));
  lane->Post([context, reactor, a, body = std::move(body)]() mutable {
    absl::Status status = body(*a, a->gate->CheckStart(context, *a));
    a->slot.reset();
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

// Runs work on the call's lane and finishes the reactor with its status. work is
// absl::Status(AuditRecord*), filling the response and the audit line's revisions, ids and
// details, or absl::Status() for a call with nothing to put there. Whether the line is
// written is the row's to say: a call audited as a whole (Audit::kEveryCall) has it appended
// before the reactor finishes, also when it did not start.
template <typename Work>
grpc::ServerUnaryReactor* FinishOnLane(grpc::CallbackServerContext* context, const Lanes& lanes,
                                       Admission admission, Work work) {
  return RunAdmitted(context, lanes, std::move(admission),
                     [work = std::move(work)](Admission& a, absl::Status start) mutable {
                       AuditRecord record;
                       absl::Status status = start;
                       if (status.ok()) {
                         if constexpr (std::is_invocable_v<Work&, AuditRecord*>) {
                           status = work(&record);
                         } else {
                           status = work();
                         }
                       }
                       if (a.policy().audit == Audit::kEveryCall) {
                         a.gate->Finished(a, std::move(record), status);
                       }
                       return status;
                     });
}

}  // namespace osfleet::agent

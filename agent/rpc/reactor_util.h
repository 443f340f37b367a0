// Runs a handler's work on the executor and finishes the unary reactor from there, so
// the callback thread never blocks; the cancellation token of a call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/admission/call_gate.h"
#include "agent/server/executor.h"
#include "common/time/cancel.h"
#include "common/api/status_util.h"

namespace osfleet::agent {

// Cancelled once the client cancels the call or its deadline passes. Valid until the
// call's reactor is finished.
inline CancelToken CallCancelToken(grpc::CallbackServerContext* context) {
  return CancelToken([context] { return context->IsCancelled(); },
                     absl::FromChrono(context->deadline()));
}

// Admits the call, runs body(Admission&) on the executor and finishes the reactor with
// its status. A call refused at admission finishes at once; one whose client already gave
// up (cancelled, deadline passed) or that queued past its server-side deadline gets that
// status as `start` instead of running. The call's slot is freed exactly once, just
// before Finish.
template <typename Body>
grpc::ServerUnaryReactor* RunAdmitted(grpc::CallbackServerContext* context, Executor* executor,
                                      Admission admission, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!admission.status.ok()) {
    // A refused mutating call is audited first; a RESOURCE_EXHAUSTED ran nothing.
    const Admission& refused = admission;
    refused.gate->Refuse(
        refused, [reactor, status = ToGrpcStatus(refused.status)] { reactor->Finish(status); });
    return reactor;
  }
  auto a = std::make_shared<Admission>(std::move(admission));
  executor->Post([context, reactor, a, body = std::move(body)]() mutable {
    absl::Status status = body(*a, a->gate->CheckStart(context, *a));
    a->slot.reset();
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

// work: absl::Status() callable that fills the response.
template <typename Work>
grpc::ServerUnaryReactor* FinishOnExecutor(grpc::CallbackServerContext* context, Executor* executor,
                                           Admission admission, Work work) {
  return RunAdmitted(context, executor, std::move(admission),
                     [work = std::move(work)](Admission&, absl::Status start) mutable {
                       return start.ok() ? work() : start;
                     });
}

// For mutating calls: work is absl::Status(AuditRecord*), filling the response and the
// revisions/ids of the audit line, which is appended before the reactor finishes.
template <typename Work>
grpc::ServerUnaryReactor* FinishAudited(grpc::CallbackServerContext* context, Executor* executor,
                                        Admission admission, Work work) {
  return RunAdmitted(context, executor, std::move(admission),
                     [work = std::move(work)](Admission& a, absl::Status start) mutable {
                       AuditRecord record;
                       absl::Status status = start.ok() ? work(&record) : start;
                       a.gate->Finished(a, std::move(record), status);
                       return status;
                     });
}

}  // namespace osfleet::agent

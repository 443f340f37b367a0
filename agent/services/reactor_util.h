// Runs a handler's work on the executor and finishes the unary reactor from there, so
// the callback thread never blocks.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "agent/executor.h"
#include "agent/services/call_gate.h"
#include "common/status_util.h"

namespace osfleet::agent {

// work: absl::Status() callable that fills the response. A call refused at admission
// finishes at once; one whose client already gave up (cancelled, deadline passed) or
// that queued past its server-side deadline is not started. The call's slot is freed
// exactly once, just before Finish.
template <typename Work>
grpc::ServerUnaryReactor* FinishOnExecutor(grpc::CallbackServerContext* context, Executor* executor,
                                           Admission admission, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!admission.status.ok()) {
    reactor->Finish(ToGrpcStatus(admission.status));
    return reactor;
  }
  auto a = std::make_shared<Admission>(std::move(admission));
  executor->Post([context, reactor, a, work = std::move(work)]() mutable {
    absl::Status status = a->gate->CheckStart(context, *a);
    if (status.ok()) status = work();
    a->slot.reset();
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

// For mutating calls: work is absl::Status(AuditRecord*), filling the response and the
// revisions/ids of the audit line, which is appended before the reactor finishes.
template <typename Work>
grpc::ServerUnaryReactor* FinishAudited(grpc::CallbackServerContext* context, Executor* executor,
                                        Admission admission, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!admission.status.ok()) {
    // A PERMISSION_DENIED was audited at admission; a RESOURCE_EXHAUSTED ran nothing.
    reactor->Finish(ToGrpcStatus(admission.status));
    return reactor;
  }
  auto a = std::make_shared<Admission>(std::move(admission));
  executor->Post([context, reactor, a, work = std::move(work)]() mutable {
    AuditRecord record;
    absl::Status status = a->gate->CheckStart(context, *a);
    if (status.ok()) status = work(&record);
    a->gate->Finished(*a, std::move(record), status);
    a->slot.reset();
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

}  // namespace osfleet::agent

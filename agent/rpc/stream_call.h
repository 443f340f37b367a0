// A server-streaming call from its admission to the end of its stream, in the one order
// every stream keeps: a call refused at admission has its refusal audited (when its row
// audits it) and only then its stream closed; an admitted one runs on its row's lane once
// it may start, then its audit line is written, its slot freed and only then its stream
// closed, so a client that sees the end finds the line on disk and the slot free for its
// next call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "agent/admission/call_gate.h"
#include "agent/rpc/event_stream.h"
#include "agent/server/lanes.h"
#include "common/api/status_util.h"

namespace osfleet::agent {

// What StreamOnLane does, on any stream with Close(grpc::Status): `cancelled()` says whether
// the client gave up before the call started.
//
// checked: the request's own validity, judged on the callback thread. When it is not OK the
// call does not start (CheckStart is not consulted) and run gets it as `start`.
// run(Stream*, absl::Status start, AuditRecord*) -> absl::Status: called once on the lane
// whatever `start` is, so that it can fill the audit line and give back what the call
// claimed; when `start` is OK it does the call's work, pushing its events.
template <typename Stream, typename Cancelled, typename Run>
void ServeStream(Stream* stream, const Lanes& lanes, Admission admission, Cancelled cancelled,
                 absl::Status checked, Run run) {
  if (!admission.status.ok()) {
    // A RESOURCE_EXHAUSTED ran nothing; Refuse audits a refused mutating call first.
    const grpc::Status refused = ToGrpcStatus(admission.status);
    admission.gate->Refuse(admission, [stream, refused] { stream->Close(refused); });
    return;
  }
  Executor* lane = lanes.For(admission.policy(), admission.caller.role == ClientRole::kViewer);
  auto a = std::make_shared<Admission>(std::move(admission));
  lane->Post([stream, a, cancelled = std::move(cancelled), checked = std::move(checked),
              run = std::move(run)]() mutable {
    const absl::Status start = checked.ok() ? a->gate->CheckStart(cancelled(), *a) : checked;
    AuditRecord record;
    const absl::Status status = run(stream, start, &record);
    if (a->policy().audit == Audit::kEveryCall) a->gate->Finished(*a, std::move(record), status);
    a->slot.reset();
    stream->Close(ToGrpcStatus(status));
  });
}

// A streaming handler's whole answer: the stream of `Message` it returns to gRPC, served
// as ServeStream says. The stream deletes itself once closed and done.
template <typename Message, typename Run>
grpc::ServerWriteReactor<Message>* StreamOnLane(grpc::CallbackServerContext* context,
                                                const Lanes& lanes, Admission admission,
                                                absl::Status checked, Run run) {
  auto* stream = new EventStream<Message>();
  ServeStream(
      stream, lanes, std::move(admission), [context] { return context->IsCancelled(); },
      std::move(checked), std::move(run));
  return stream;
}

}  // namespace osfleet::agent

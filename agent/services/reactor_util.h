// Runs a handler's work on the executor and finishes the unary reactor from there, so
// the callback thread never blocks.
#pragma once

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/status.h"
#include "agent/executor.h"
#include "common/status_util.h"

namespace osfleet::agent {

// work: absl::Status() callable that fills the response. A call whose client already
// gave up (cancelled, deadline passed) is not started.
template <typename Work>
grpc::ServerUnaryReactor* FinishOnExecutor(grpc::CallbackServerContext* context, Executor* executor,
                                           Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  executor->Post([context, reactor, work = std::move(work)]() mutable {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                   "the client cancelled or its deadline passed before start"));
      return;
    }
    reactor->Finish(ToGrpcStatus(work()));
  });
  return reactor;
}

}  // namespace osfleet::agent

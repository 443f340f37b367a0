// The fan-out engine: one asynchronous call per agent (gRPC callback API), at most
// `concurrency` in flight, a deadline on every call, and a result for every host — one
// failure never hides another.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ctl/fleet/inventory.h"
#include "ctl/rpc/tls_diagnosis.h"

namespace osfleet::ctl {

struct Target {
  const Server* server = nullptr;
  std::shared_ptr<grpc::Channel> channel;
  std::shared_ptr<const TlsDiagnosis> tls;  // explains TLS failures in words; null: none
};

struct FanOutOptions {
  int concurrency = 64;
  absl::Duration timeout = absl::Seconds(10);  // the deadline of each call
};

// status, or, for a connection that failed in its TLS handshake (or in plaintext against
// TLS), the reason and the fix in words (tls_diagnosis.h; a probe of a few seconds at most).
grpc::Status ExplainFailure(const Target& target, const FanOutOptions& options,
                            grpc::Status status);

using DoneFn = std::function<void(grpc::Status)>;

// Calls start(i, done) for every i < n with at most `concurrency` calls outstanding, and
// returns once every `done` was called (exactly once each, from any thread). start must
// not block: it starts a call whose completion calls done.
std::vector<grpc::Status> RunBounded(size_t n, int concurrency,
                                     const std::function<void(size_t, DoneFn)>& start);

// One client call in flight: its stub, context, request and start time, kept alive until
// the call completes.
template <typename Stub, typename Request>
struct PendingCall {
  std::unique_ptr<Stub> rpc_stub;
  grpc::ClientContext context;
  Request request;
  absl::Time started;

  // A stub on the target's channel, the per-call deadline, the request, the start time.
  PendingCall(const Target& target, const FanOutOptions& options, Request req)
      : rpc_stub(std::make_unique<Stub>(target.channel)),
        request(std::move(req)),
        started(absl::Now()) {
    context.set_deadline(absl::ToChronoTime(started + options.timeout));
  }
};

template <typename Response>
struct HostReply {
  const Server* server = nullptr;
  grpc::Status status;
  Response response;
  absl::Duration elapsed;
  bool ok() const { return status.ok(); }
};

template <typename Response>
using OnReply = std::function<void(size_t, const HostReply<Response>&)>;

// One unary RPC to every target. invoke(rpc, context, request, response, done) starts the
// call, e.g. `rpc->async()->Get(ctx, req, resp, std::move(done))`. on_reply (optional)
// sees each reply as soon as it arrives, on a gRPC thread: it must not block.
template <typename Stub, typename Request, typename Response, typename Invoke>
std::vector<HostReply<Response>> FanOut(const std::vector<Target>& targets,
                                        const FanOutOptions& options,
                                        const std::function<Request(size_t)>& make_request,
                                        Invoke invoke,
                                        const OnReply<Response>& on_reply = nullptr) {
  using Call = PendingCall<Stub, Request>;
  std::vector<std::unique_ptr<Call>> calls(targets.size());
  std::vector<HostReply<Response>> replies(targets.size());
  std::vector<grpc::Status> statuses =
      RunBounded(targets.size(), options.concurrency, [&](size_t i, DoneFn done) {
        calls[i] = std::make_unique<Call>(targets[i], options, make_request(i));
        Call& call = *calls[i];
        replies[i].server = targets[i].server;
        invoke(call.rpc_stub.get(), &call.context, &call.request, &replies[i].response,
               [&replies, &call, &on_reply, i, done = std::move(done)](grpc::Status status) {
                 replies[i].elapsed = absl::Now() - call.started;
                 if (on_reply) {
                   replies[i].status = status;
                   on_reply(i, replies[i]);
                 }
                 done(std::move(status));
               });
      });
  for (size_t i = 0; i < targets.size(); ++i) {
    replies[i].status = ExplainFailure(targets[i], options, std::move(statuses[i]));
  }
  return replies;
}

// True for the codes that mean the host did not answer at all.
bool DidNotAnswer(const grpc::Status& status);

// ABORTED "another change is in progress": the agent is busy with a change or a revert
// (its Configuration Tool running, its services restarting); asking again later is safe.
bool AgentBusy(const grpc::Status& status);

}  // namespace osfleet::ctl

// Server-streaming calls across the fleet: one ClientReadReactor per agent, at most
// `concurrency` in flight, a deadline on each, every event handed to on_event as it
// arrives (from gRPC's threads), and a final status per host.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>

#include <functional>
#include <memory>
#include <vector>

#include "ctl/rpc/fanout.h"

namespace osfleet::ctl {

template <typename Event>
struct HostStream {
  const Server* server = nullptr;
  grpc::Status status;
  std::vector<Event> events;
  absl::Duration elapsed;
  bool ok() const { return status.ok(); }
};

// Reads every event of one call, then reports its status through `done`.
template <typename Event>
class StreamReader final : public grpc::ClientReadReactor<Event> {
 public:
  StreamReader(std::function<void(const Event&)> on_event, DoneFn done)
      : on_event_(std::move(on_event)), done_(std::move(done)) {}

  void Begin() {
    this->StartRead(&event_);
    this->StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    on_event_(event_);
    this->StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    done_(status);
    delete this;
  }

 private:
  Event event_;
  std::function<void(const Event&)> on_event_;
  DoneFn done_;
};

// invoke(rpc, context, request, reactor) starts the call, e.g.
// `rpc->async()->Control(ctx, req, reactor)`. on_event(i, event) may run concurrently
// for different hosts.
template <typename Stub, typename Request, typename Event, typename Invoke>
std::vector<HostStream<Event>> FanOutStream(
    const std::vector<Target>& targets, const FanOutOptions& options,
    const std::function<Request(size_t)>& make_request, Invoke invoke,
    const std::function<void(size_t, const Event&)>& on_event) {
  using Call = PendingCall<Stub, Request>;
  std::vector<std::unique_ptr<Call>> calls(targets.size());
  std::vector<HostStream<Event>> results(targets.size());
  std::vector<grpc::Status> statuses =
      RunBounded(targets.size(), options.concurrency, [&](size_t i, DoneFn done) {
        calls[i] = std::make_unique<Call>(targets[i], options, make_request(i));
        Call& call = *calls[i];
        results[i].server = targets[i].server;
        auto* reader = new StreamReader<Event>(
            [&results, &on_event, i](const Event& e) {
              results[i].events.push_back(e);
              if (on_event) on_event(i, e);
            },
            [&results, &call, i, done = std::move(done)](grpc::Status status) {
              results[i].elapsed = absl::Now() - call.started;
              done(std::move(status));
            });
        invoke(call.rpc_stub.get(), &call.context, &call.request, reader);
        reader->Begin();
      });
  for (size_t i = 0; i < targets.size(); ++i) {
    results[i].status = ExplainFailure(targets[i], options, std::move(statuses[i]));
  }
  return results;
}

}  // namespace osfleet::ctl

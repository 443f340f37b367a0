// Server-streaming calls across the fleet: one ClientReadReactor per agent, at most
// `concurrency` in flight, a deadline on each, every event handed to on_event as it
// arrives (from gRPC's threads), and a final status per host. Events are handed on and
// dropped: a host's result keeps its count, its last event and (only when asked, for a
// JSON document) every event, within the caps of stream_budget.h; an agent past a cap is
// cancelled and its status says which cap.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "ctl/rpc/fanout.h"
#include "ctl/rpc/stream_budget.h"

namespace osfleet::ctl {

struct StreamOptions {
  // Keep every event in HostStream::events (for a JSON document printed at the end);
  // otherwise only the count and the last one.
  bool keep_events = false;
  StreamCaps caps = kDefaultStreamCaps;
};

template <typename Event>
struct HostStream {
  const Server* server = nullptr;
  grpc::Status status;
  std::vector<Event> events;  // every event when StreamOptions::keep_events, else none
  std::optional<Event> last;  // the last event taken
  StreamTally taken;          // the events taken (and handed to on_event) and their bytes
  absl::Duration elapsed;
  bool ok() const { return status.ok(); }
};

// Reads the events of one call while on_event takes them, then reports its status through
// `done`. When on_event refuses one, the call is cancelled and nothing more is read.
template <typename Event>
class StreamReader final : public grpc::ClientReadReactor<Event> {
 public:
  StreamReader(grpc::ClientContext* context, std::function<bool(const Event&)> on_event,
               DoneFn done)
      : context_(context), on_event_(std::move(on_event)), done_(std::move(done)) {}

  void Begin() {
    this->StartRead(&event_);
    this->StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    if (!on_event_(event_)) {
      context_->TryCancel();  // OnDone follows with CANCELLED
      return;
    }
    this->StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    done_(status);
    delete this;
  }

 private:
  grpc::ClientContext* const context_;
  Event event_;
  std::function<bool(const Event&)> on_event_;
  DoneFn done_;
};

// invoke(rpc, context, request, reactor) starts the call, e.g.
// `rpc->async()->Control(ctx, req, reactor)`. on_event(i, event) may run concurrently
// for different hosts. A host past a cap ends with the budget's RESOURCE_EXHAUSTED, and
// its events after the cap are neither kept nor handed to on_event.
template <typename Stub, typename Request, typename Event, typename Invoke>
std::vector<HostStream<Event>> FanOutStream(
    const std::vector<Target>& targets, const FanOutOptions& options, const StreamOptions& stream,
    const std::function<Request(size_t)>& make_request, Invoke invoke,
    const std::function<void(size_t, const Event&)>& on_event) {
  using Call = PendingCall<Stub, Request>;
  std::vector<std::unique_ptr<Call>> calls(targets.size());
  std::vector<HostStream<Event>> results(targets.size());
  std::vector<absl::Status> refused(targets.size());
  StreamBudget budget(stream.caps);
  auto take = [&](size_t i, const Event& e) {
    HostStream<Event>& r = results[i];
    refused[i] = budget.Admit(r.server != nullptr ? r.server->name : "?",
                              static_cast<int64_t>(e.ByteSizeLong()), r.taken);
    if (!refused[i].ok()) return false;
    if (stream.keep_events) r.events.push_back(e);
    r.last = e;
    if (on_event) on_event(i, e);
    return true;
  };
  std::vector<grpc::Status> statuses =
      RunBounded(targets.size(), options.concurrency, [&](size_t i, DoneFn done) {
        calls[i] = std::make_unique<Call>(targets[i], options, make_request(i));
        Call& call = *calls[i];
        results[i].server = targets[i].server;
        auto* reader = new StreamReader<Event>(
            &call.context, [&take, i](const Event& e) { return take(i, e); },
            [&results, &call, i, done = std::move(done)](grpc::Status status) {
              results[i].elapsed = absl::Now() - call.started;
              done(std::move(status));
            });
        invoke(call.rpc_stub.get(), &call.context, &call.request, reader);
        reader->Begin();
      });
  for (size_t i = 0; i < targets.size(); ++i) {
    results[i].status =
        !refused[i].ok()
            ? grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, std::string(refused[i].message()))
            : ExplainFailure(targets[i], options, std::move(statuses[i]));
  }
  return results;
}

}  // namespace osfleet::ctl

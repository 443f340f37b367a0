// How much osctl takes from server-streaming calls (Services.Control, ServiceCenter.
// RunPhase): a cap on the events and bytes of each agent's stream, and on all the streams
// of one call together. An agent that goes past a cap is cut off (its stream cancelled)
// with an error naming it and the cap, so that a compromised agent, or a Service Center
// whose publication never ends, cannot grow osctl without bound. The caps are generous:
// a republish of 5 000 modules sends ~15 000 events of ~200 bytes; a restart of a
// server's services, a few dozen.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::ctl {

struct StreamCaps {
  int64_t events_per_stream = 100'000;
  int64_t bytes_per_stream = int64_t{32} << 20;  // 32 MiB, serialized
  int64_t events_per_call = 400'000;
  int64_t bytes_per_call = int64_t{128} << 20;  // 128 MiB
};

// The defaults, documented in docs/user-guide.md ("Streamed output").
inline constexpr StreamCaps kDefaultStreamCaps{};

// One agent's stream so far.
struct StreamTally {
  int64_t events = 0;
  int64_t bytes = 0;
};

// The budget of one call across every agent's stream; Admit may run on several gRPC
// threads at once.
class StreamBudget {
 public:
  explicit StreamBudget(StreamCaps caps) : caps_(caps) {}

  // Counts one event of `bytes` from `agent`'s stream. OK while every cap holds; else
  // RESOURCE_EXHAUSTED "agent NAME sent more than N events in one stream; stopped" (or
  // "32 MiB"; "the agents sent more than ... in one call (agent NAME crossed it)" for the
  // caps across agents). Once refused, a stream is not
  // admitted again; the event that crossed the cap is not counted as taken.
  absl::Status Admit(const std::string& agent, int64_t bytes, StreamTally& tally);

 private:
  const StreamCaps caps_;
  absl::Mutex mu_;
  StreamTally total_ ABSL_GUARDED_BY(mu_);
};

// "32 MiB" for whole mebibytes, else "N bytes".
std::string BytesText(int64_t bytes);

}  // namespace osfleet::ctl

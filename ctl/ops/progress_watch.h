// Heartbeats through a long call: while a step that can take minutes runs on some servers
// (a change with its Configuration Tool run, a restart, a rollback, the Service Center
// phase), asks their agents what they are doing (Agent.GetActivity) every `interval` and
// reports, per server, the step, how long it has run and the tool's latest log line. The
// call itself is never waited for or touched: the heartbeats come from their own thread.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "ctl/rpc/fanout.h"

namespace osfleet::ctl {

// Heartbeats at least this often by default (the operator's promise: every 15 s at most).
inline constexpr absl::Duration kDefaultHeartbeat = absl::Seconds(10);

struct ProgressBeat {
  std::string server;
  // The agent's newest step in progress (Agent.GetActivity), or the caller's name for the
  // step when the agent reports none or does not answer.
  std::string step;
  std::string detail;
  absl::Duration elapsed;     // of that step on the agent, else since the call started
  std::string last_log_line;  // from the agent; empty when it has none
  bool answered = false;      // false: the activity call failed (the step goes on)
};

using BeatSink = std::function<void(const ProgressBeat&)>;

class ProgressWatch {
 public:
  // Starts the thread; the first heartbeat comes one interval after now. `sink` is called
  // from that thread, one beat at a time.
  ProgressWatch(std::vector<Target> targets, std::string step, absl::Duration interval,
                FanOutOptions fanout, BeatSink sink);
  ~ProgressWatch();  // stops and joins (a question in flight ends within its 1-3 s deadline)
  ProgressWatch(const ProgressWatch&) = delete;
  ProgressWatch& operator=(const ProgressWatch&) = delete;

 private:
  void Loop();
  void Beat();

  const std::vector<Target> targets_;
  const std::string step_;
  const absl::Duration interval_;
  FanOutOptions fanout_;
  const BeatSink sink_;
  const absl::Time started_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace osfleet::ctl

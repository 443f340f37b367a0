// Live progress: each event printed the moment it arrives (from gRPC's threads, one at a
// time). A table run gets a line that starts with the seconds since the start; jsonl one
// JSON line per event; json nothing (the command prints one document at the end).
// A rollout's long steps also bring heartbeats: a line each (jsonl, or a table that is not
// on a terminal), or, with the status line on, the status line redrawn in their place
// (console.h; redrawn every second so its elapsed time moves).
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "ctl/output/output_format.h"
#include "ctl/output/progress.h"
#include "ctl/output/status_line.h"
#include "osfleet/v1/service_center.pb.h"
#include "osfleet/v1/services.pb.h"

namespace osfleet::ctl {

class EventPrinter {
 public:
  EventPrinter(OutputFormat format, bool color);
  ~EventPrinter();  // the status line erased

  // From now on, for a table: the rollout's status line (the caller decided it is on a
  // terminal), and heartbeats shown there rather than as lines. Call once, after any
  // question to the operator.
  void StartStatusLine();
  // Erases it for good (before the summary and the closing lines).
  void StopStatusLine();
  EventPrinter(const EventPrinter&) = delete;
  EventPrinter& operator=(const EventPrinter&) = delete;

  // services start | stop | restart (and every restart): a service's state on `server`.
  void Service(const std::string& server, const v1::ServiceEvent& event);
  // sc run: the Service Center phase on `server`, the Deployment Controller.
  void Phase(const std::string& server, const v1::PhaseEvent& event);
  // rollout: one step of the procedure (kind: discover, preflight, plan, batch, host, ...).
  void Step(const std::string& kind, const std::string& server, const std::string& text, bool bad);
  // rollout: the same with where the rollout stands and, for kind "progress", a long step's
  // start, heartbeat, done or failed. jsonl adds "batch", "batches", "done", "total" and
  // "progress": {"state", "step", "elapsed" (seconds), "log"}.
  void Step(const std::string& kind, const std::string& server, const std::string& text, bool bad,
            const RolloutPosition& position, const StepProgress* progress);

 private:
  double Seconds() const;
  void Line(const std::string& text);
  void Redraw() ABSL_LOCKS_EXCLUDED(mu_);

  const OutputFormat format_;
  const bool color_;
  std::atomic<bool> status_line_{false};
  const absl::Time start_;
  absl::Mutex mu_;  // one line at a time
  StatusState status_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_ticker_;
  std::thread ticker_;  // redraws the status line every second
};

}  // namespace osfleet::ctl

// Live progress: each event printed the moment it arrives (from gRPC's threads, one at a
// time). A table run gets a line that starts with the seconds since the start; jsonl one
// JSON line per event; json nothing (the command prints one document at the end).
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ctl/output/output_format.h"
#include "osfleet/v1/service_center.pb.h"
#include "osfleet/v1/services.pb.h"

namespace osfleet::ctl {

class EventPrinter {
 public:
  EventPrinter(OutputFormat format, bool color);

  // services start | stop | restart (and every restart): a service's state on `server`.
  void Service(const std::string& server, const v1::ServiceEvent& event);
  // sc run: the Service Center phase on `server`, the Deployment Controller.
  void Phase(const std::string& server, const v1::PhaseEvent& event);
  // rollout: one step of the procedure (kind: discover, preflight, plan, batch, host, ...).
  void Step(const std::string& kind, const std::string& server, const std::string& text, bool bad);

 private:
  double Seconds() const;
  void Line(const std::string& text);

  const OutputFormat format_;
  const bool color_;
  const absl::Time start_;
  absl::Mutex mu_;  // one line at a time
};

}  // namespace osfleet::ctl

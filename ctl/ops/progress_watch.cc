#include "ctl/ops/progress_watch.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

double Seconds(const google::protobuf::Duration& d) { return d.seconds() + d.nanos() / 1e9; }

}  // namespace

ProgressWatch::ProgressWatch(std::vector<Target> targets, std::string step, absl::Duration interval,
                             FanOutOptions fanout, BeatSink sink)
    : targets_(std::move(targets)),
      step_(std::move(step)),
      interval_(std::max(interval, absl::Milliseconds(50))),
      fanout_(std::move(fanout)),
      sink_(std::move(sink)),
      started_(absl::Now()) {
  // A quick read: an agent that does not answer within a few seconds gets its heartbeat
  // anyway, and the step's end never waits long for a question in flight.
  fanout_.timeout =
      std::min(fanout_.timeout, std::clamp(interval_, absl::Seconds(1), absl::Seconds(3)));
  if (!targets_.empty() && sink_) thread_ = std::thread([this] { Loop(); });
}

ProgressWatch::~ProgressWatch() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void ProgressWatch::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(interval_)) Beat();
}

void ProgressWatch::Beat() {
  const auto replies = CallGetActivity(targets_, fanout_);
  if (stop_.HasBeenNotified()) return;  // the step ended meanwhile: its end is the news
  for (size_t k = 0; k < targets_.size(); ++k) {
    ProgressBeat beat;
    beat.server = targets_[k].server->name;
    beat.step = step_;
    beat.elapsed = absl::Now() - started_;
    beat.answered = replies[k].ok();
    if (beat.answered) {
      const auto& activities = replies[k].response.activities();
      // The newest step is what runs now (a phase's tool run is newer than the phase).
      const v1::Activity* newest = nullptr;
      for (const v1::Activity& a : activities) {
        if (newest == nullptr || Seconds(a.elapsed()) <= Seconds(newest->elapsed())) newest = &a;
      }
      if (newest != nullptr) {
        beat.step = newest->step();
        beat.detail = newest->detail();
        beat.elapsed = absl::Seconds(Seconds(newest->elapsed()));
      }
      for (auto it = activities.rbegin(); it != activities.rend() && beat.last_log_line.empty();
           ++it) {
        beat.last_log_line = it->last_log_line();
      }
    }
    sink_(beat);
  }
}

}  // namespace osfleet::ctl

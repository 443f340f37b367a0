// The Service Center phase on the agent's activity board (agent/activity): one entry from
// the phase's start to its end whose step follows the phase's events (Apply Settings, the
// wait for Service Center, the publication), so Agent.GetActivity can say which part of
// a 60-minute phase is running and since when.
#pragma once

#include <string>

#include "agent/activity/activity_board.h"
#include "agent/service_center/phase_driver.h"

namespace osfleet::agent {

class PhaseActivity {
 public:
  // board may be null: then nothing is recorded.
  explicit PhaseActivity(ActivityBoard* board);
  // The step this event starts, if it starts one.
  void On(const PhaseEvent& event);

 private:
  ActivityBoard::Scope scope_;
  std::string step_;
};

}  // namespace osfleet::agent

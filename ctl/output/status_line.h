// The rollout's status line on a terminal: "batch 2/4 · fe03 ConfigurationTool 4m12s ·
// 7/12 servers done · <the tool's latest log line>", cut to the terminal's width. Pure
// text: the Console (console.h) draws it.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "ctl/output/progress.h"

namespace osfleet::ctl {

// "850ms", "12s", "4m12s", "1h02m05s".
std::string FormatElapsed(absl::Duration d);

// What the status line shows; `step_since` is when the running step started (osctl's clock).
struct StatusState {
  int batch = 0;  // 1-based; 0: not in a batch
  int batches = 0;
  std::string server;  // empty: no long step running
  std::string step;
  absl::Time step_since;
  int done = 0;
  int total = 0;
  std::string log_line;
};

// `state` after an event on `server` at `now`: the position always; a step's start and
// heartbeats make it the step shown (a heartbeat's elapsed time sets its start), its end
// clears it.
void UpdateStatus(StatusState& state, const std::string& server, const RolloutPosition& position,
                  const StepProgress* progress, absl::Time now);

// The line at `now`, at most `columns` characters (UTF-8 aware), without a line break;
// control characters in the log line are shown escaped.
std::string RenderStatusLine(const StatusState& state, absl::Time now, int columns);

}  // namespace osfleet::ctl

// The one-time move of the rollout journals an older osctl kept in another folder
// (user_state_dir.h's OldUserStateDirs: C:\tmp\.local\state\osfleet on Windows) into
// today's state folder, so that `rollout status` and `rollout resume` find them again.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform {

// Moves each journal (a regular file named *.json) of OLD\rollouts, for every old state
// folder, into NEW\rollouts (new_state_dir and its rollouts folder are created owner-only
// when there is something to move; nothing is created otherwise). A journal whose name is
// taken in the new place is never overwritten: both stay. Safe when two osctl run at once:
// the moves happen while NEW\.move.lock is held (file_lock.h); a second osctl waits for the
// first, up to `wait`, then lists again (what the first moved is no longer there).
// Returns what to tell the operator, one line each: "moved 2 rollout journals from OLD to
// NEW", "left OLD\X.json where it is: NEW\X.json exists already (compare the two, keep
// one)", "could not move OLD\Y.json: REASON". No line when nothing was found. Errors:
// creating the folders ("cannot create PREFIX"), the lock ("NEW\.move.lock is locked by
// another osctl (waited N ms)"); nothing is moved then.
Result<std::vector<std::string>> MoveOldJournals(const std::vector<std::string>& old_state_dirs,
                                                 const std::string& new_state_dir,
                                                 std::chrono::milliseconds wait);

}  // namespace osfleet::platform

// Where osctl keeps its own state for the person running it (rollout journals), and where
// osctl kept it before on this system (for the one-time move: state_move.h).
#pragma once

#include <string>
#include <vector>

#include "common/platform/result.h"

namespace osfleet::platform {

// osctl's state folder for this user, worked out afresh on every call (nothing is
// created). $OSFLEET_STATE_DIR when set and not empty, on every system. POSIX:
// $XDG_STATE_HOME/osfleet, else $HOME/.local/state/osfleet (/tmp/.local/state/osfleet
// without HOME). Windows: the known folder LocalAppData (FOLDERID_LocalAppData, per user,
// not roaming: "C:\Users\op\AppData\Local") + \osfleet; HOME and XDG_STATE_HOME play no
// part. Error (Windows only, when neither the known folder nor %LOCALAPPDATA% names one):
// "finding this user's LocalAppData folder".
Result<std::string> UserStateDir();

// The state folders osctl used before UserStateDir() on this system, for the one-time move
// of their journals; full paths, none equal to UserStateDir(). POSIX: none (the rules have
// not changed). Windows, unless $OSFLEET_STATE_DIR is set (it was honoured before too):
// $XDG_STATE_HOME/osfleet when set, $HOME/.local/state/osfleet when HOME is set (Git Bash,
// Cygwin set it), and \tmp\.local\state\osfleet (where osctl kept them without HOME) as
// Windows resolves "/tmp" now (the current drive; Wine: Z:\tmp, the Unix /tmp) and on the
// system drive ("C:\tmp\.local\state\osfleet").
std::vector<std::string> OldUserStateDirs();

}  // namespace osfleet::platform

// Where rollout journals live: the "rollouts" folder of osctl's state folder for this user
// (platform::UserStateDir: %LOCALAPPDATA%\osfleet on Windows, ~/.local/state/osfleet on
// POSIX), with the journals an older osctl kept elsewhere moved in on first use.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace osfleet::ctl {

// The rollouts folder. The first call in a process moves the journals an older osctl left
// in its old place (platform::OldUserStateDirs: C:\tmp\.local\state\osfleet on Windows;
// none on POSIX) into it, saying on stderr what was moved where (platform::MoveOldJournals).
// Error (Windows only): the user has no LocalAppData folder.
absl::StatusOr<std::string> FindRolloutDir();

// FindRolloutDir(), empty when it fails (SaveJournal and LoadJournal then say why).
std::string RolloutDir();

// The folder part of a journal's path ("." when it has none), either separator on Windows.
std::string FolderOf(const std::string& path);

// Whether a rollout id given on the command line is a path (it holds a separator).
bool IsJournalPath(const std::string& id);

}  // namespace osfleet::ctl

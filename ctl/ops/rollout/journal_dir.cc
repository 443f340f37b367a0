#include "ctl/ops/rollout/journal_dir.h"

#include <chrono>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/platform/path_join.h"
#include "common/platform/state_move.h"
#include "common/platform/user_state_dir.h"
#include "ctl/output/report.h"

namespace osfleet::ctl {
namespace {

// How long an osctl waits for another one moving the old journals (a few files: far less).
constexpr std::chrono::seconds kMoveWait(30);

void MoveOldJournalsOnce(const std::string& state_dir) {
  static std::once_flag once;
  std::call_once(once, [&state_dir] {
    platform::Result<std::vector<std::string>> lines =
        platform::MoveOldJournals(platform::OldUserStateDirs(), state_dir, kMoveWait);
    if (!lines.ok()) {
      PrintErr(absl::StrCat("osctl: the rollout journals of an older osctl were not moved: ",
                            lines.error().Message(), "\n"));
      return;
    }
    for (const std::string& line : *lines) {
      PrintErr(absl::StrCat("osctl: ", line, "\n"));
    }
  });
}

}  // namespace

absl::StatusOr<std::string> FindRolloutDir() {
  platform::Result<std::string> state = platform::UserStateDir();
  if (!state.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no folder for rollout journals: ", state.error().Message(),
                     "; set OSFLEET_STATE_DIR to a folder of your own"));
  }
  MoveOldJournalsOnce(*state);
  return platform::JoinPath(*state, "rollouts");
}

std::string RolloutDir() {
  absl::StatusOr<std::string> dir = FindRolloutDir();
  return dir.ok() ? *dir : std::string();
}

std::string FolderOf(const std::string& path) {
  for (size_t i = path.size(); i > 0; --i) {
    if (platform::IsPathSeparator(path[i - 1])) return path.substr(0, i - 1);
  }
  return ".";
}

bool IsJournalPath(const std::string& id) {
  for (char c : id) {
    if (platform::IsPathSeparator(c)) return true;
  }
  return false;
}

}  // namespace osfleet::ctl

// The same on every system: it moves with the platform calls only.
#include "common/platform/state_move.h"

#include <algorithm>
#include <cstddef>
#include <thread>

#include "common/platform/file_lock.h"
#include "common/platform/files.h"
#include "common/platform/move_file.h"
#include "common/platform/path_join.h"

namespace osfleet::platform {
namespace {

constexpr char kRollouts[] = "rollouts";

bool IsJournalName(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name[0] != '.';
}

// The journals in folder, sorted; none when it cannot be listed (it usually does not exist).
std::vector<std::string> JournalsIn(const std::string& folder) {
  std::vector<std::string> names;
  Result<std::vector<std::string>> all = ListFolder(folder);
  if (!all.ok()) return names;
  for (const std::string& name : *all) {
    Result<PathKind> kind = KindOf(JoinPath(folder, name));
    if (IsJournalName(name) && kind.ok() && *kind == PathKind::kFile) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool AnyJournals(const std::vector<std::string>& old_state_dirs) {
  for (const std::string& dir : old_state_dirs) {
    if (!JournalsIn(JoinPath(dir, kRollouts)).empty()) return true;
  }
  return false;
}

// Polls without blocking: FileLock::Acquire never waits.
Result<FileLock> WaitForLock(const std::string& path, std::chrono::milliseconds wait) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + wait;
  std::chrono::milliseconds pause(5);
  while (true) {
    Result<FileLock> lock = FileLock::Acquire(path);
    if (lock.ok() || lock.error().code != make_error_code(Errc::kLockHeld)) return lock;
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return Error{make_error_code(Errc::kLockHeld), path + " is locked by another osctl (waited " +
                                                         std::to_string(wait.count()) + " ms)"};
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

// Moves the journals of one old rollouts folder; appends what happened to lines.
void MoveFolder(const std::string& from, const std::string& to, std::vector<std::string>& lines) {
  const std::size_t first = lines.size();
  int moved = 0;
  for (const std::string& name : JournalsIn(from)) {
    const std::string source = JoinPath(from, name);
    const std::string target = JoinPath(to, name);
    Result<void> done = MoveFileNoReplace(source, target);
    if (done.ok()) {
      ++moved;
    } else if (done.error().code == std::errc::file_exists) {
      lines.push_back("left " + source + " where it is: " + target +
                      " exists already (compare the two, keep one)");
    } else if (!done.error().NotFound()) {  // NotFound: another osctl moved it first
      lines.push_back("could not move " + source + ": " + done.error().Reason());
    }
  }
  if (moved > 0) {
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(first),
                 "moved " + std::to_string(moved) +
                     (moved == 1 ? " rollout journal from " : " rollout journals from ") + from +
                     " to " + to + " (where osctl keeps them now)");
  }
}

}  // namespace

Result<std::vector<std::string>> MoveOldJournals(const std::vector<std::string>& old_state_dirs,
                                                 const std::string& new_state_dir,
                                                 std::chrono::milliseconds wait) {
  std::vector<std::string> lines;
  // Nothing is created, locked or said on the usual run: no old journal left.
  if (!AnyJournals(old_state_dirs)) return lines;
  const std::string target = JoinPath(new_state_dir, kRollouts);
  if (Result<void> made = MakeDirs(target, 0700); !made.ok()) return made.error();
  Result<FileLock> lock = WaitForLock(JoinPath(new_state_dir, ".move.lock"), wait);
  if (!lock.ok()) return lock.error();
  for (const std::string& dir : old_state_dirs) {
    MoveFolder(JoinPath(dir, kRollouts), target, lines);
  }
  return lines;
}

}  // namespace osfleet::platform

// What this agent is doing now: each long step in progress (a Configuration Tool run, a
// service restart, Apply Settings, the wait for Service Center, a publication), since when,
// and the latest line of its log. The step that runs registers itself for its duration
// (an ActivityBoard::Scope); Agent.GetActivity reads the board from another thread without
// waiting for the step. gRPC-free.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace osfleet::agent {

// Step names, as Agent.GetActivity reports them.
inline constexpr char kStepConfigurationTool[] = "ConfigurationTool";
inline constexpr char kStepServiceRestart[] = "ServiceRestart";
inline constexpr char kStepServiceStart[] = "ServiceStart";
inline constexpr char kStepServiceStop[] = "ServiceStop";
inline constexpr char kStepServiceCenter[] = "ServiceCenter";
inline constexpr char kStepApplySettings[] = "ApplySettings";
inline constexpr char kStepServiceCenterWait[] = "ServiceCenterWait";
inline constexpr char kStepPublish[] = "Publish";

// One step in progress, as read at one moment.
struct Activity {
  std::string step;    // one of the kStep* names
  std::string detail;  // what it works on: the service, the module; may be empty
  absl::Time since;
  absl::Duration elapsed;
  std::string last_log_line;  // masked; empty when the step keeps no log or wrote none yet
};

class ActivityBoard {
 public:
  // The latest line of a step's log (masked by whoever supplies it); called under the
  // board's lock, so it must be quick and must not use the board.
  using LatestLine = std::function<std::string()>;

  explicit ActivityBoard(const Clock* clock = Clock::Real());
  ActivityBoard(const ActivityBoard&) = delete;
  ActivityBoard& operator=(const ActivityBoard&) = delete;

  // A step on the board from Begin to the Scope's end. An empty Scope (board null) does
  // nothing, so code that may run without a board needs no test.
  class Scope {
   public:
    Scope() = default;
    Scope(Scope&& other) noexcept;
    Scope& operator=(Scope&& other) noexcept;
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope();

    // The step moves on (e.g. the next service, the next module); `since` stays.
    void SetDetail(std::string detail);
    // Another step in the same scope (e.g. from Apply Settings to the publications):
    // `since` starts again.
    void SetStep(std::string step, std::string detail);
    // Ends the step now (the destructor's work).
    void End();

   private:
    friend class ActivityBoard;
    Scope(ActivityBoard* board, uint64_t id) : board_(board), id_(id) {}
    ActivityBoard* board_ = nullptr;
    uint64_t id_ = 0;
  };

  Scope Begin(std::string step, std::string detail, LatestLine latest_line = nullptr);

  // Every step in progress, oldest first, its log's latest line read now.
  std::vector<Activity> Now() const;

 private:
  struct Entry {
    std::string step;
    std::string detail;
    absl::Time since;
    LatestLine latest_line;
  };

  void Update(uint64_t id, const std::string* step, std::string detail);
  void Remove(uint64_t id);

  const Clock* clock_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// A Scope on `board`, or an empty one when board is null.
inline ActivityBoard::Scope BeginActivity(ActivityBoard* board, std::string step,
                                          std::string detail,
                                          ActivityBoard::LatestLine latest_line = nullptr) {
  if (board == nullptr) return ActivityBoard::Scope();
  return board->Begin(std::move(step), std::move(detail), std::move(latest_line));
}

}  // namespace osfleet::agent

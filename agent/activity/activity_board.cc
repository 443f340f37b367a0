#include "agent/activity/activity_board.h"

#include <utility>

namespace osfleet::agent {

ActivityBoard::ActivityBoard(const Clock* clock) : clock_(clock) {}

ActivityBoard::Scope::Scope(Scope&& other) noexcept
    : board_(std::exchange(other.board_, nullptr)), id_(other.id_) {}

ActivityBoard::Scope& ActivityBoard::Scope::operator=(Scope&& other) noexcept {
  if (this != &other) {
    End();
    board_ = std::exchange(other.board_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

ActivityBoard::Scope::~Scope() { End(); }

void ActivityBoard::Scope::SetDetail(std::string detail) {
  if (board_ != nullptr) board_->Update(id_, nullptr, std::move(detail));
}

void ActivityBoard::Scope::SetStep(std::string step, std::string detail) {
  if (board_ != nullptr) board_->Update(id_, &step, std::move(detail));
}

void ActivityBoard::Scope::End() {
  if (board_ != nullptr) std::exchange(board_, nullptr)->Remove(id_);
}

ActivityBoard::Scope ActivityBoard::Begin(std::string step, std::string detail,
                                          LatestLine latest_line) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  entries_[id] = Entry{std::move(step), std::move(detail), clock_->Now(), std::move(latest_line)};
  return Scope(this, id);
}

void ActivityBoard::Update(uint64_t id, const std::string* step, std::string detail) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (step != nullptr) {
    it->second.step = *step;
    it->second.since = clock_->Now();
  }
  it->second.detail = std::move(detail);
}

void ActivityBoard::Remove(uint64_t id) {
  // Under the lock: once Remove returns, no reader calls the entry's latest_line (whose
  // captures may die with the step).
  absl::MutexLock lock(&mu_);
  entries_.erase(id);
}

std::vector<Activity> ActivityBoard::Now() const {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  std::vector<Activity> out;
  for (const auto& [id, e] : entries_) {
    out.push_back({e.step, e.detail, e.since, now - e.since,
                   e.latest_line ? e.latest_line() : std::string()});
  }
  return out;
}

}  // namespace osfleet::agent

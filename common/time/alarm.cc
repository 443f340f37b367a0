#include "common/time/alarm.h"

#include <chrono>

namespace osfleet {

bool Alarm::WaitUntil(absl::Duration deadline) {
  const bool real = clock_->WaitsInRealTime();
  const bool forever = deadline == absl::InfiniteDuration();
  if (!real && !forever) clock_->Watch(this, deadline);
  bool rung;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto due = [&] { return rung_ || (!forever && clock_->Monotonic() >= deadline); };
    if (real && !forever) {
      const std::chrono::steady_clock::time_point at(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              absl::ToChronoNanoseconds(deadline)));
      cv_.wait_until(lock, at, due);
    } else {
      cv_.wait(lock, due);
    }
    rung = rung_;
    rung_ = false;
  }
  if (!real && !forever) clock_->Unwatch(this);
  return rung;
}

void Alarm::Ring() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    rung_ = true;
  }
  cv_.notify_all();
}

void Alarm::Poke() {
  { std::lock_guard<std::mutex> lock(mu_); }
  cv_.notify_all();
}

}  // namespace osfleet

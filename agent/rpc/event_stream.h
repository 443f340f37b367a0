// A server-streaming reactor fed from any thread: Push() queues a message, Close() ends
// the stream with a status after every queued message was written. Writes go out one at
// a time, as the callback API requires; the reactor deletes itself when done.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::agent {

template <typename Message>
class EventStream final : public grpc::ServerWriteReactor<Message> {
 public:
  void Push(Message message) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(message));
    MaybeWriteLocked();
  }

  void Close(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    final_ = std::move(status);
    MaybeWriteLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    queue_.pop_front();
    if (!ok) {  // the client went away: drop what is left
      queue_.clear();
      broken_ = true;
    }
    MaybeWriteLocked();
  }

  void OnDone() override { delete this; }

 private:
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (!queue_.empty() && !broken_) {
      writing_ = true;
      this->StartWrite(&queue_.front());
      return;
    }
    if (closing_) {
      finished_ = true;
      this->Finish(broken_ ? grpc::Status(grpc::StatusCode::CANCELLED, "client went away")
                           : final_);
    }
  }

  absl::Mutex mu_;
  std::deque<Message> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
};

}  // namespace osfleet::agent

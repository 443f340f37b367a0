// A server-streaming reactor fed from any thread: Push() queues a message, Close() ends
// the stream with a status after every queued message was written. Writes go out one at
// a time, as the callback API requires; the reactor deletes itself when done.
//
// gRPC may run OnDone (which deletes the reactor) on another thread as soon as Finish()
// is called, so the reactor decides under its lock what to do next and calls StartWrite()
// or Finish() only after releasing it, as the last thing it does: nothing touches `this`
// after Finish(), and no lock lives inside an object that is being deleted.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::agent {

template <typename Message>
class EventStream final : public grpc::ServerWriteReactor<Message> {
 public:
  // Not after Close().
  void Push(Message message) {
    Step next;
    {
      absl::MutexLock lock(&mu_);
      queue_.push_back(std::move(message));
      next = NextLocked();
    }
    Take(next);
  }

  // Once; nothing is pushed after it.
  void Close(grpc::Status status) {
    Step next;
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
      final_ = std::move(status);
      next = NextLocked();
    }
    Take(next);
  }

  void OnWriteDone(bool ok) override {
    Step next;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      queue_.pop_front();
      if (!ok) {  // the client went away: drop what is left
        queue_.clear();
        broken_ = true;
      }
      next = NextLocked();
    }
    Take(next);
  }

  void OnDone() override { delete this; }

 private:
  struct Idle {};
  struct Write {
    const Message* message;
  };
  struct End {
    grpc::Status status;
  };
  using Step = std::variant<Idle, Write, End>;

  // What to do once the lock is released: start the next write, finish, or nothing (a
  // write is in flight, or there is nothing to write and no Close yet).
  Step NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return Idle{};
    if (!queue_.empty() && !broken_) {
      writing_ = true;
      // Stays valid: a deque's push_back keeps references, and this element is popped
      // only in OnWriteDone, after the write.
      return Write{&queue_.front()};
    }
    if (!closing_) return Idle{};
    finished_ = true;
    return End{broken_ ? grpc::Status(grpc::StatusCode::CANCELLED, "client went away")
                       : std::move(final_)};
  }

  // Called without the lock, as the caller's last action on `this`.
  void Take(Step& next) {
    if (auto* w = std::get_if<Write>(&next)) {
      this->StartWrite(w->message);
    } else if (auto* f = std::get_if<End>(&next)) {
      this->Finish(std::move(f->status));
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

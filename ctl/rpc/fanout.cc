#include "ctl/rpc/fanout.h"

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::ctl {
namespace {

// Shared by the caller and every completion callback.
class Bounded : public std::enable_shared_from_this<Bounded> {
 public:
  Bounded(size_t n, const std::function<void(size_t, DoneFn)>* start)
      : start_(start), statuses_(n) {}

  // Starts the next call if any is left; returns false when none is.
  bool StartNext() {
    size_t i;
    {
      absl::MutexLock lock(&mu_);
      if (next_ == statuses_.size()) return false;
      i = next_++;
    }
    (*start_)(i, [self = shared_from_this(), i](grpc::Status status) {
      self->Finish(i, std::move(status));
    });
    return true;
  }

  std::vector<grpc::Status> Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Bounded* b)
             ABSL_EXCLUSIVE_LOCKS_REQUIRED(b->mu_) { return b->finished_ == b->statuses_.size(); },
        this));
    return std::move(statuses_);
  }

 private:
  void Finish(size_t i, grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      statuses_[i] = std::move(status);
    }
    StartNext();
    absl::MutexLock lock(&mu_);
    ++finished_;
  }

  const std::function<void(size_t, DoneFn)>* start_;
  absl::Mutex mu_;
  std::vector<grpc::Status> statuses_ ABSL_GUARDED_BY(mu_);
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  size_t finished_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

std::vector<grpc::Status> RunBounded(size_t n, int concurrency,
                                     const std::function<void(size_t, DoneFn)>& start) {
  // Shared with the callbacks: the last one may still run after Wait() returned.
  auto bounded = std::make_shared<Bounded>(n, &start);
  for (int k = 0; k < std::max(concurrency, 1); ++k) {
    if (!bounded->StartNext()) break;
  }
  return bounded->Wait();
}

grpc::Status ExplainFailure(const Target& target, const FanOutOptions& options,
                            grpc::Status status) {
  if (status.ok() || target.tls == nullptr || target.server == nullptr) return status;
  constexpr absl::Duration kProbeBudget = absl::Seconds(3);
  return target.tls->Explain(*target.server, status, std::min(options.timeout, kProbeBudget));
}

bool DidNotAnswer(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

bool AgentBusy(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::ABORTED &&
         status.error_message().find("in progress") != std::string::npos;
}

}  // namespace osfleet::ctl

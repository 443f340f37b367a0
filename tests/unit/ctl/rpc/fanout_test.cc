// The fan-out engine: the bound on calls in flight, one result per host in inventory
// order, and, against a real gRPC server in this process, per-call deadlines and hosts
// that do not answer without hiding the ones that do.
#include "ctl/rpc/fanout.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "ctl/rpc/agent_calls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "osfleet/v1/agent.grpc.pb.h"

namespace osfleet::ctl {
namespace {

// Completes every call from its own thread after the test lets it go.
class HeldCalls {
 public:
  void Start(size_t i, DoneFn done) {
    absl::MutexLock lock(&mu_);
    ++started_;
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    held_.push_back({i, std::move(done)});
  }
  // Completes the held calls one at a time (each with a status naming its index), each
  // from a thread of its own, until `total` were completed. Before each, waits until the
  // engine started every call it may (min(concurrency, calls left)), so that the bound is
  // checked at its fullest.
  void ReleaseUntil(size_t total, int concurrency) {
    std::vector<std::thread> threads;
    for (size_t completed = 0; completed < total;) {
      std::pair<size_t, DoneFn> call;
      {
        absl::MutexLock lock(&mu_);
        const size_t expected = std::min(static_cast<size_t>(concurrency), total - completed);
        auto all_started = [this, expected]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return held_.size() >= expected;
        };
        mu_.Await(absl::Condition(&all_started));
        call = std::move(held_.back());
        held_.pop_back();
        --in_flight_;
      }
      ++completed;
      threads.emplace_back([call = std::move(call)] {
        call.second(grpc::Status(grpc::StatusCode::ABORTED, std::to_string(call.first)));
      });
    }
    for (std::thread& t : threads) t.join();
  }
  int max_in_flight() {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }
  int started() {
    absl::MutexLock lock(&mu_);
    return started_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<size_t, DoneFn>> held_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(RunBoundedTest, NeverMoreThanConcurrencyInFlightAndEveryResultInItsPlace) {
  for (int concurrency : {1, 3, 64}) {
    HeldCalls calls;
    std::vector<grpc::Status> statuses;
    std::thread runner([&] {
      statuses = RunBounded(20, concurrency,
                            [&](size_t i, DoneFn done) { calls.Start(i, std::move(done)); });
    });
    calls.ReleaseUntil(20, concurrency);
    runner.join();
    EXPECT_EQ(calls.started(), 20);
    EXPECT_LE(calls.max_in_flight(), concurrency);
    EXPECT_EQ(calls.max_in_flight(), std::min(concurrency, 20));
    ASSERT_EQ(statuses.size(), 20u);
    for (size_t i = 0; i < statuses.size(); ++i) {
      EXPECT_EQ(statuses[i].error_message(), std::to_string(i));
    }
  }
}

TEST(RunBoundedTest, NothingToDoReturnsAtOnceAndZeroConcurrencyStillRuns) {
  EXPECT_TRUE(RunBounded(0, 8, [](size_t, DoneFn) { FAIL() << "no call expected"; }).empty());
  std::vector<grpc::Status> s =
      RunBounded(3, 0, [](size_t, DoneFn done) { done(grpc::Status::OK); });
  EXPECT_EQ(s.size(), 3u);
}

// An Agent service whose GetInfo answers with its name, or never (until shut down).
class AgentStub final : public v1::Agent::CallbackService {
 public:
  AgentStub(std::string name, bool answer) : name_(std::move(name)), answer_(answer) {}
  grpc::ServerUnaryReactor* GetInfo(grpc::CallbackServerContext* context, const v1::GetInfoRequest*,
                                    v1::AgentInfo* info) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    info->set_hostname(name_);
    if (answer_) {
      reactor->Finish(grpc::Status::OK);
    } else {
      held_.push_back(reactor);
    }
    return reactor;
  }
  void FinishHeld() {
    for (auto* r : held_) r->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "shutting down"));
    held_.clear();
  }

 private:
  std::string name_;
  bool answer_;
  std::vector<grpc::ServerUnaryReactor*> held_;
};

struct LocalAgent {
  LocalAgent(std::string name, bool answer) : service(name, answer) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  ~LocalAgent() {
    service.FinishHeld();
    server->Shutdown(std::chrono::system_clock::now());
  }
  AgentStub service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

std::shared_ptr<grpc::Channel> ChannelTo(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureChannelCredentials());
}

TEST(FanOutTest, EveryHostGetsItsOwnResultAndOneFailureHidesNoOther) {
  LocalAgent a("a", true), b("b", true), silent("silent", false);
  // A port that was bound and closed: nothing listens there.
  int closed_port = 0;
  {
    LocalAgent gone("gone", true);
    closed_port = gone.port;
  }
  std::vector<Server> servers(4);
  const char* names[] = {"a", "silent", "gone", "b"};
  const int ports[] = {a.port, silent.port, closed_port, b.port};
  std::vector<Target> targets;
  for (size_t i = 0; i < servers.size(); ++i) {
    servers[i].name = names[i];
    targets.push_back({&servers[i], ChannelTo(ports[i])});
  }
  FanOutOptions options;
  options.timeout = absl::Milliseconds(500);
  std::vector<HostReply<v1::AgentInfo>> replies = CallGetInfo(targets, options);
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_TRUE(replies[0].ok()) << replies[0].status.error_message();
  EXPECT_EQ(replies[0].response.hostname(), "a");
  EXPECT_EQ(replies[1].status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(DidNotAnswer(replies[1].status));
  EXPECT_TRUE(DidNotAnswer(replies[2].status)) << replies[2].status.error_message();
  EXPECT_TRUE(replies[3].ok());
  EXPECT_EQ(replies[3].response.hostname(), "b");
  for (size_t i = 0; i < replies.size(); ++i) EXPECT_EQ(replies[i].server, &servers[i]);
  EXPECT_GE(replies[1].elapsed, absl::Milliseconds(400));  // it waited for its deadline
}

TEST(FanOutTest, DidNotAnswerIsOnlyUnavailableAndDeadline) {
  EXPECT_TRUE(DidNotAnswer(grpc::Status(grpc::StatusCode::UNAVAILABLE, "")));
  EXPECT_TRUE(DidNotAnswer(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "")));
  EXPECT_FALSE(DidNotAnswer(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "")));
  EXPECT_FALSE(DidNotAnswer(grpc::Status::OK));
}

}  // namespace
}  // namespace osfleet::ctl

// Endpoints.Probe against a hostile caller, on a real agent over mTLS: a request of 8000
// targets, the port-scan form (many addresses for one database), durations and sizes out
// of bounds, floods of slow probes from a viewer while an operator changes, renews and
// confirms, and probes whose client gave up. The agent's threads are read from
// /proc/PID/status while it works.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"
#include "tests/integration/silent_database.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoNanoseconds(d);
}

// The agent's threads now (Threads: in /proc/PID/status); -1 once it is gone.
int Threads(pid_t pid) {
  std::istringstream in(ReadFile(absl::StrCat("/proc/", pid, "/status")));
  for (std::string line; std::getline(in, line);) {
    int n = 0;
    if (line.rfind("Threads:", 0) == 0 && absl::SimpleAtoi(line.substr(8), &n)) return n;
  }
  return -1;
}

// Samples the agent's thread count every 2 ms until stopped; the highest seen.
class ThreadPeak {
 public:
  explicit ThreadPeak(pid_t pid) : pid_(pid), sampler_([this] { Sample(); }) {}
  ~ThreadPeak() { Stop(); }
  int Stop() {
    stop_ = true;
    if (sampler_.joinable()) sampler_.join();
    return peak_.load();
  }

 private:
  void Sample() {
    while (!stop_) {
      peak_ = std::max(peak_.load(), Threads(pid_));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<int> peak_{0};
  std::thread sampler_;
};

// An async Probe; its status once done.
struct PendingProbe {
  grpc::ClientContext context;
  v1::ProbeResponse response;
  grpc::Status status;
  std::atomic<bool> done{false};
};

v1::ProbeRequest ProbeOf(const std::vector<std::pair<v1::Database, std::string>>& targets,
                         absl::Duration timeout = absl::ZeroDuration()) {
  v1::ProbeRequest req;
  for (const auto& [db, address] : targets) {
    v1::EndpointChange* t = req.add_targets();
    t->set_database(db);
    t->set_address(address);
  }
  if (timeout != absl::ZeroDuration()) {
    req.mutable_timeout()->set_seconds(absl::ToInt64Seconds(timeout));
    req.mutable_timeout()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(timeout % absl::Seconds(1))));
  }
  return req;
}

// All three databases at one address.
v1::ProbeRequest AllAt(const std::string& address, absl::Duration timeout) {
  return ProbeOf({{v1::DATABASE_PLATFORM, address},
                  {v1::DATABASE_LOGGING, address},
                  {v1::DATABASE_SESSION, address}},
                 timeout);
}

class HostileProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<OpensslPki>(tmp_.Sub("pki"));
    pki_->Issue("dc01", "osfleet:agent");
    pki_->Issue("alice", "osfleet:operator");
    pki_->Issue("bob", "osfleet:viewer");
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.insecure = false;
    options.extra_args = {"--tls-cert", pki_->Path("dc01.pem"), "--tls-key", pki_->Path("dc01.key"),
                          "--tls-ca",   pki_->Path("ca.pem")};
    agent_ = std::make_unique<Agent>(tmp_.Sub("dc01"), options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
  }

  // A stub on a connection of its own (each channel its own TCP connection).
  std::unique_ptr<v1::Endpoints::Stub> Stub(const std::string& who) const {
    return v1::Endpoints::NewStub(pki_->Channel(who, agent_->address(), "dc01"));
  }

  grpc::Status Probe(v1::Endpoints::Stub& stub, const v1::ProbeRequest& req,
                     v1::ProbeResponse* resp, absl::Duration deadline = absl::Seconds(20)) const {
    grpc::ClientContext ctx;
    ctx.set_deadline(In(deadline));
    return stub.Probe(&ctx, req, resp);
  }

  std::unique_ptr<PendingProbe> StartProbe(v1::Endpoints::Stub& stub, const v1::ProbeRequest& req,
                                           absl::Duration deadline = absl::Minutes(1)) const {
    auto p = std::make_unique<PendingProbe>();
    p->context.set_deadline(In(deadline));
    PendingProbe* raw = p.get();
    stub.async()->Probe(&p->context, &req, &p->response, [raw](grpc::Status s) {
      raw->status = std::move(s);
      raw->done = true;
    });
    return p;
  }

  // Waits for every probe to end (their deadlines bound the wait).
  static void AwaitAll(const std::vector<std::unique_ptr<PendingProbe>>& probes) {
    for (const auto& p : probes) p->context.TryCancel();
    ASSERT_TRUE(WaitFor(
        [&] {
          return std::all_of(probes.begin(), probes.end(),
                             [](const auto& p) { return p->done.load(); });
        },
        absl::Seconds(90)));
  }

  std::string Revision(v1::Endpoints::Stub& stub) const {
    grpc::ClientContext ctx;
    ctx.set_deadline(In(absl::Seconds(5)));
    v1::GetEndpointsResponse got;
    EXPECT_TRUE(stub.Get(&ctx, {}, &got).ok());
    return got.revision();
  }

  // An operator's Set (pending, with a lease), Renew and Confirm, each within `deadline`.
  void ChangeRenewConfirm(v1::Endpoints::Stub& op, const std::string& address,
                          absl::Duration deadline) const {
    v1::SetEndpointsRequest set_req;
    set_req.add_changes()->set_database(v1::DATABASE_PLATFORM);
    set_req.mutable_changes(0)->set_address(address);
    set_req.set_expected_revision(Revision(op));
    set_req.mutable_confirm_within()->set_seconds(60);
    set_req.mutable_lease()->set_seconds(30);
    v1::SetEndpointsResponse set;
    grpc::ClientContext set_ctx;
    set_ctx.set_deadline(In(deadline));
    const absl::Time start = absl::Now();
    const grpc::Status set_status = op.Set(&set_ctx, set_req, &set);
    ASSERT_TRUE(set_status.ok()) << set_status.error_code() << " " << set_status.error_message();
    ASSERT_EQ(set.state(), v1::CHANGE_STATE_PENDING);
    const absl::Duration set_took = absl::Now() - start;

    v1::RenewRequest renew_req;
    renew_req.set_change_id(set.change_id());
    renew_req.mutable_lease()->set_seconds(30);
    v1::RenewResponse renewed;
    grpc::ClientContext renew_ctx;
    renew_ctx.set_deadline(In(deadline));
    const grpc::Status renew_status = op.Renew(&renew_ctx, renew_req, &renewed);
    ASSERT_TRUE(renew_status.ok())
        << renew_status.error_code() << " " << renew_status.error_message();
    EXPECT_EQ(renewed.state(), v1::CHANGE_STATE_PENDING);

    v1::ConfirmRequest confirm_req;
    confirm_req.set_change_id(set.change_id());
    v1::ConfirmResponse confirmed;
    grpc::ClientContext confirm_ctx;
    confirm_ctx.set_deadline(In(deadline));
    const absl::Time confirm_start = absl::Now();
    const grpc::Status confirm_status = op.Confirm(&confirm_ctx, confirm_req, &confirmed);
    ASSERT_TRUE(confirm_status.ok())
        << confirm_status.error_code() << " " << confirm_status.error_message();
    EXPECT_EQ(confirmed.state(), v1::CHANGE_STATE_CONFIRMED);
    std::cerr << "[hostile_probe] Set took " << absl::FormatDuration(set_took)
              << ", Renew+Confirm took " << absl::FormatDuration(absl::Now() - confirm_start)
              << "\n";
  }

  TempDir tmp_;
  std::unique_ptr<OpensslPki> pki_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(HostileProbeTest, EightThousandTargetsAreRefusedWithoutAThreadEach) {
  SilentDatabase hung;
  std::unique_ptr<v1::Endpoints::Stub> viewer = Stub("bob");
  const pid_t pid = agent_->process().pid();
  v1::ProbeResponse ignored;
  ASSERT_TRUE(Probe(*viewer, ProbeOf({{v1::DATABASE_PLATFORM, "127.0.0.1,1"}}), &ignored).ok());
  const int before = Threads(pid);
  std::vector<std::pair<v1::Database, std::string>> targets;
  for (int i = 0; i < 8000; ++i) targets.emplace_back(v1::DATABASE_PLATFORM, hung.address());
  const v1::ProbeRequest req = ProbeOf(targets, absl::Seconds(3));
  ASSERT_LT(req.ByteSizeLong(), 256u << 10);  // under the agent's request cap
  ThreadPeak peak(pid);
  v1::ProbeResponse resp;
  const grpc::Status s = Probe(*viewer, req, &resp, absl::Seconds(30));
  const int most = peak.Stop();
  std::cerr << "[hostile_probe] 8000 targets: " << s.error_code() << " '" << s.error_message()
            << "', threads " << before << " before, at most " << most << " while it ran\n";
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "targets: 8000 entries, at most 8 allowed (Probe checks one address per database)");
  EXPECT_LE(most, before + 4);
  EXPECT_TRUE(agent_->process().running());
}

TEST_F(HostileProbeTest, RepeatedTargetsAreProbedOnce) {
  SilentDatabase hung;
  std::unique_ptr<v1::Endpoints::Stub> viewer = Stub("bob");
  const std::string refused = absl::StrCat("127.0.0.1,", UnusedPort());
  v1::ProbeResponse resp;
  const grpc::Status s = Probe(*viewer,
                               ProbeOf(std::vector<std::pair<v1::Database, std::string>>(
                                   8, {v1::DATABASE_PLATFORM, refused})),
                               &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.results_size(), 1);
  EXPECT_EQ(resp.results(0).address(), refused);
  EXPECT_THAT(resp.results(0).error(), HasSubstr("refused"));
}

TEST_F(HostileProbeTest, ThePortScanFormIsRefused) {
  std::unique_ptr<v1::Endpoints::Stub> viewer = Stub("bob");
  std::vector<std::pair<v1::Database, std::string>> ports;
  for (int port = 20; port < 28; ++port) {
    ports.emplace_back(v1::DATABASE_PLATFORM, absl::StrCat("127.0.0.1,", port));
  }
  v1::ProbeResponse resp;
  const grpc::Status s = Probe(*viewer, ProbeOf(ports), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "targets[1]: a second address for the platform database ('127.0.0.1,21'; targets[0] "
            "is '127.0.0.1,20'); Probe checks one address per database");
  EXPECT_EQ(resp.results_size(), 0);
  // Nine entries are refused before anything is looked at.
  ports.emplace_back(v1::DATABASE_LOGGING, "127.0.0.1,28");
  EXPECT_EQ(Probe(*viewer, ProbeOf(ports), &resp).error_message(),
            "targets: 9 entries, at most 8 allowed (Probe checks one address per database)");
}

TEST_F(HostileProbeTest, DurationsAndSizesOutOfBoundsAreRefused) {
  std::unique_ptr<v1::Endpoints::Stub> viewer = Stub("bob");
  const std::string refused = absl::StrCat("127.0.0.1,", UnusedPort());
  v1::ProbeResponse resp;
  grpc::Status s =
      Probe(*viewer, ProbeOf({{v1::DATABASE_PLATFORM, refused}}, absl::Hours(1)), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "timeout: must be between 10ms and 30s per step, got 1h");
  s = Probe(*viewer, ProbeOf({{v1::DATABASE_PLATFORM, refused}}, absl::Seconds(-1)), &resp);
  EXPECT_EQ(s.error_message(), "timeout: must be between 10ms and 30s per step, got -1s");
  s = Probe(*viewer, ProbeOf({{v1::DATABASE_PLATFORM, refused}}, absl::Microseconds(5)), &resp);
  EXPECT_EQ(s.error_message(), "timeout: must be between 10ms and 30s per step, got 5us");
  s = Probe(*viewer, ProbeOf({{v1::DATABASE_SESSION, std::string(600, 'a')}}), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "targets[0].address: 600 bytes, at most 512 allowed");
  s = Probe(*viewer, ProbeOf({{v1::DATABASE_UNSPECIFIED, refused}}), &resp);
  EXPECT_EQ(s.error_message(), "targets[0].database: must be PLATFORM, LOGGING or SESSION");
  // In bounds it answers.
  s = Probe(*viewer, ProbeOf({{v1::DATABASE_PLATFORM, refused}}, absl::Seconds(2)), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.results_size(), 1);
}

// Slow probes from a viewer take neither the operator's lane nor their probes: an
// operator's Set, Renew and Confirm, and the operator's own probe, answer in time.
TEST_F(HostileProbeTest, SlowViewerProbesDelayNoOperator) {
  SilentDatabase hung;
  FakeDatabase db(tmp_.Sub("db"));
  ASSERT_TRUE(db.WaitReady());
  std::unique_ptr<v1::Endpoints::Stub> viewer = Stub("bob");
  std::unique_ptr<v1::Endpoints::Stub> op = Stub("alice");
  std::vector<std::unique_ptr<PendingProbe>> slow;
  const v1::ProbeRequest hang = AllAt(hung.address(), absl::Seconds(20));
  for (int i = 0; i < 6; ++i) slow.push_back(StartProbe(*viewer, hang));
  ASSERT_TRUE(WaitFor([&] { return hung.connections() >= 2; }, absl::Seconds(20)))
      << ReadFile(agent_->log());

  ChangeRenewConfirm(*op, "SQLNEW", absl::Seconds(2));
  v1::ProbeResponse resp;
  const absl::Time start = absl::Now();
  const grpc::Status s = Probe(*op, AllAt(db.address(), absl::Seconds(2)), &resp, absl::Seconds(3));
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  ASSERT_EQ(resp.results_size(), 3);
  for (const v1::ProbeResult& r : resp.results()) EXPECT_TRUE(r.ok()) << r.error();
  std::cerr << "[hostile_probe] an operator's probe took "
            << absl::FormatDuration(absl::Now() - start) << " behind 6 slow viewer probes\n";
  for (const auto& p : slow) EXPECT_FALSE(p->done.load() && p->status.ok());
  AwaitAll(slow);
}

// A flood of 70 slow probes from a viewer: those over the viewers' probe cap are refused
// with a message naming it, and an operator's Set, Renew and Confirm still succeed.
TEST_F(HostileProbeTest, ViewerProbeFloodLeavesTheOperatorsCapacity) {
  SilentDatabase hung;
  std::vector<std::unique_ptr<v1::Endpoints::Stub>> viewers;
  for (int i = 0; i < 3; ++i) viewers.push_back(Stub("bob"));  // 32 streams per connection
  std::unique_ptr<v1::Endpoints::Stub> op = Stub("alice");
  const v1::ProbeRequest hang = AllAt(hung.address(), absl::Seconds(20));
  std::vector<std::unique_ptr<PendingProbe>> flood;
  for (int i = 0; i < 70; ++i) flood.push_back(StartProbe(*viewers[i % 3], hang));
  auto refused = [&] {
    return std::count_if(flood.begin(), flood.end(), [](const auto& p) {
      return p->done.load() && p->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
    });
  };
  // A refusal: the cap a viewer can reach is full.
  ASSERT_TRUE(WaitFor([&] { return refused() >= 1; }, absl::Seconds(20)))
      << ReadFile(agent_->log());
  ASSERT_TRUE(WaitFor([&] { return hung.connections() >= 1; }, absl::Seconds(20)));

  ChangeRenewConfirm(*op, "SQLNEW", absl::Seconds(5));
  for (const auto& p : flood) {
    if (p->done.load() && p->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      EXPECT_EQ(p->status.error_message(),
                "too many Probe calls from viewers in progress (4); try again shortly");
    }
  }
  std::cerr << "[hostile_probe] of 70 viewer probes " << refused() << " were refused\n";
  EXPECT_GE(refused(), 70 - 4);
  AwaitAll(flood);
}

// Probes whose client gave up (its deadline passed, or it cancelled) stop their targets:
// the lane is free for the next probe long before the targets' 20s timeouts.
TEST_F(HostileProbeTest, ProbesWhoseClientLeftStopTheirTargets) {
  SilentDatabase hung;
  FakeDatabase db(tmp_.Sub("db"));
  ASSERT_TRUE(db.WaitReady());
  std::unique_ptr<v1::Endpoints::Stub> op = Stub("alice");
  const v1::ProbeRequest hang = AllAt(hung.address(), absl::Seconds(20));
  std::vector<std::unique_ptr<PendingProbe>> left;
  for (int i = 0; i < 3; ++i) left.push_back(StartProbe(*op, hang, absl::Seconds(1)));
  for (int i = 0; i < 3; ++i) left.push_back(StartProbe(*op, hang, absl::Minutes(1)));
  ASSERT_TRUE(WaitFor([&] { return hung.connections() >= 3; }, absl::Seconds(20)));
  for (size_t i = 3; i < left.size(); ++i) left[i]->context.TryCancel();
  ASSERT_TRUE(WaitFor(
      [&] {
        return std::all_of(left.begin(), left.end(), [](const auto& p) { return p->done.load(); });
      },
      absl::Seconds(10)));
  const absl::Time start = absl::Now();
  v1::ProbeResponse resp;
  const grpc::Status s = Probe(*op, AllAt(db.address(), absl::Seconds(2)), &resp, absl::Seconds(4));
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  for (const v1::ProbeResult& r : resp.results()) EXPECT_TRUE(r.ok()) << r.error();
  std::cerr << "[hostile_probe] the next probe took " << absl::FormatDuration(absl::Now() - start)
            << " after 6 probes whose clients left\n";
}

// Many concurrent probes from both roles: the agent's threads stay within a fixed bound.
TEST_F(HostileProbeTest, ConcurrentProbesUseAFixedSetOfThreads) {
  SilentDatabase hung;
  std::unique_ptr<v1::Endpoints::Stub> viewer = Stub("bob");
  std::unique_ptr<v1::Endpoints::Stub> op = Stub("alice");
  const pid_t pid = agent_->process().pid();
  v1::ProbeResponse ignored;
  ASSERT_TRUE(Probe(*op, ProbeOf({{v1::DATABASE_PLATFORM, "127.0.0.1,1"}}), &ignored).ok());
  ASSERT_TRUE(Probe(*viewer, ProbeOf({{v1::DATABASE_PLATFORM, "127.0.0.1,1"}}), &ignored).ok());
  const int before = Threads(pid);
  ThreadPeak peak(pid);
  const v1::ProbeRequest hang = AllAt(hung.address(), absl::Seconds(2));
  std::vector<std::unique_ptr<PendingProbe>> probes;
  for (int i = 0; i < 12; ++i) probes.push_back(StartProbe(i % 2 ? *op : *viewer, hang));
  ASSERT_TRUE(WaitFor(
      [&] {
        return std::all_of(probes.begin(), probes.end(),
                           [](const auto& p) { return p->done.load(); });
      },
      absl::Seconds(90)));
  const int most = peak.Stop();
  std::cerr << "[hostile_probe] 12 concurrent probes of 3 targets: threads " << before
            << " before, at most " << most << "\n";
  EXPECT_LE(most, before + 4);
}

}  // namespace
}  // namespace osfleet::testing

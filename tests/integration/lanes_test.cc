// Lanes and cancellation on a real agent: a Confirm answers within its 2 s deadline while
// a Service Center phase that never ends, slow service control and slow probes run; and a
// phase, a command phase and service control stop once their client cancels (the fake
// Service Center sees the abort and no poll after it, the command's child is gone).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "osfleet/v1/service_center.grpc.pb.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/integration/silent_database.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kUser[] = "osfleet-admin";
constexpr char kHash[] = "Zx9SecretHashValue0123456789abcdef";

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoNanoseconds(d);
}

// A call that runs on a thread of its own until it ends or is cancelled.
struct BackgroundCall {
  grpc::ClientContext context;
  grpc::Status status;
  std::atomic<int> events{0};  // for streams: how many arrived
  std::atomic<bool> done{false};
  std::thread thread;
  ~BackgroundCall() {
    context.TryCancel();
    if (thread.joinable()) thread.join();
  }
};

class LanesTest : public ::testing::Test {
 protected:
  // The fake Service Center in slow mode, never finishing a publish by itself.
  void StartFakeServiceCenter() {
    const std::string fake_dir = tmp_.Sub("sc");
    mkdir(fake_dir.c_str(), 0755);
    request_log_ = fake_dir + "/requests.jsonl";
    fake_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "/usr/bin/python3",
            std::string(OSFLEET_SOURCE_DIR) + "/tests/fakes/fake_service_center.py", "--port-file",
            fake_dir + "/port", "--user", kUser, "--hash", kHash, "--mode", "slow", "--polls",
            "1000000", "--request-log", request_log_},
        fake_dir + "/fake.log");
    ASSERT_TRUE(WaitFor([&] { return absl::SimpleAtoi(ReadFile(fake_dir + "/port"), &sc_port_); },
                        absl::Seconds(20)));
  }

  std::string HttpServiceCenterYaml() const {
    WriteFile(dir_ + "/sc.hash", absl::StrCat("#", kHash, "\n"));
    chmod((dir_ + "/sc.hash").c_str(), 0600);
    return absl::StrCat("service_center:\n  driver: http\n  url: http://127.0.0.1:", sc_port_,
                        "\n  user: ", kUser, "\n  password_hash_file: ", dir_,
                        "/sc.hash\n  poll_interval: 50ms\n  request_timeout: 5s\n");
  }

  static std::string SleeperServiceYaml(const std::string& name) {
    return absl::StrCat("  - name: ", name,
                        "\n    backend: process\n    command: [\"/bin/sleep\", \"3600\"]\n"
                        "    ready: {stays_up_ms: 50}\n    start_timeout: 5s\n"
                        "    stop_timeout: 5s\n");
  }

  void StartAgent(const std::string& config_yaml) {
    WriteFile(dir_ + "/agent.yaml", config_yaml);
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.extra_args = {"--config", dir_ + "/agent.yaml"};
    agent_ = std::make_unique<Agent>(dir_, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    channel_ = grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials());
    client_ = std::make_unique<AgentClient>(agent_->address());
  }

  void SetUp() override {
    dir_ = tmp_.Sub("dc01");
    mkdir(dir_.c_str(), 0755);
  }

  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(request_log_), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(std::string(line)));
    }
    return out;
  }
  int Count(const std::string& op) const {
    int n = 0;
    for (const auto& r : Requests()) n += r.value("op", "") == op ? 1 : 0;
    return n;
  }

  std::unique_ptr<BackgroundCall> RunPhase(bool dry_run = false) {
    auto call = std::make_unique<BackgroundCall>();
    call->context.set_deadline(In(absl::Minutes(2)));
    BackgroundCall* c = call.get();
    c->thread = std::thread([this, c, dry_run] {
      v1::ServiceCenter::Stub stub(channel_);
      v1::RunPhaseRequest req;
      req.set_dry_run(dry_run);
      auto reader = stub.RunPhase(&c->context, req);
      v1::PhaseEvent event;
      while (reader->Read(&event)) ++c->events;
      c->status = reader->Finish();
      c->done = true;
    });
    return call;
  }

  std::unique_ptr<BackgroundCall> Control(v1::ServiceAction action, absl::Duration min_healthy,
                                          absl::Duration deadline = absl::Minutes(2)) {
    auto call = std::make_unique<BackgroundCall>();
    call->context.set_deadline(In(deadline));
    BackgroundCall* c = call.get();
    c->thread = std::thread([this, c, action, min_healthy] {
      v1::Services::Stub stub(channel_);
      v1::ControlServicesRequest req;
      req.set_action(action);
      req.mutable_min_healthy()->set_seconds(absl::ToInt64Seconds(min_healthy));
      auto reader = stub.Control(&c->context, req);
      v1::ServiceEvent event;
      while (reader->Read(&event)) ++c->events;
      c->status = reader->Finish();
      c->done = true;
    });
    return call;
  }

  std::unique_ptr<BackgroundCall> Probe(const std::string& address) {
    auto call = std::make_unique<BackgroundCall>();
    call->context.set_deadline(In(absl::Minutes(2)));
    BackgroundCall* c = call.get();
    c->thread = std::thread([this, c, address] {
      v1::ProbeRequest req;
      req.add_targets()->set_database(v1::DATABASE_PLATFORM);
      req.mutable_targets(0)->set_address(address);
      req.mutable_timeout()->set_seconds(5);
      v1::ProbeResponse resp;
      c->status = v1::Endpoints::NewStub(channel_)->Probe(&c->context, req, &resp);
      c->done = true;
    });
    return call;
  }

  bool AuditHas(const std::string& rpc, const std::string& result_prefix) const {
    for (absl::string_view line :
         absl::StrSplit(ReadFile(dir_ + "/state/audit.log"), '\n', absl::SkipEmpty())) {
      const nlohmann::json j = nlohmann::json::parse(std::string(line));
      if (j["rpc"] == rpc && absl::StartsWith(j["result"].get<std::string>(), result_prefix)) {
        return true;
      }
    }
    return false;
  }

  TempDir tmp_;
  std::string dir_, request_log_;
  int sc_port_ = 0;
  std::unique_ptr<ChildProcess> fake_;
  std::unique_ptr<Agent> agent_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<AgentClient> client_;
};

TEST_F(LanesTest, ConfirmAnswersWithinItsDeadlineWhileLongCallsRun) {
  StartFakeServiceCenter();
  StartAgent(absl::StrCat(HttpServiceCenterYaml(), "services:\n", SleeperServiceYaml("svc-a"),
                          SleeperServiceYaml("svc-b")));
  SilentDatabase hung;
  // A phase that never ends, two service-control calls holding min_healthy for a minute
  // (the second queued behind the first), four probes of a database that never answers.
  std::unique_ptr<BackgroundCall> phase = RunPhase();
  ASSERT_TRUE(
      WaitFor([&] { return Count("SolutionPack_GetPublishMessages") >= 2; }, absl::Seconds(20)));
  std::vector<std::unique_ptr<BackgroundCall>> long_calls;
  long_calls.push_back(Control(v1::SERVICE_ACTION_START, absl::Minutes(1)));
  // The second only once the first holds the control lane (it has one thread: whichever
  // came first would hold it, and the wait below is for the first).
  ASSERT_TRUE(WaitFor([&] { return long_calls[0]->events.load() >= 1; }, absl::Seconds(20)))
      << ReadFile(agent_->log());
  long_calls.push_back(Control(v1::SERVICE_ACTION_RESTART, absl::Minutes(1)));
  for (int i = 0; i < 4; ++i) long_calls.push_back(Probe(hung.address()));
  ASSERT_TRUE(WaitFor([&] { return hung.connections() >= 2; }, absl::Seconds(20)))
      << "probes connected: " << hung.connections() << "\n"
      << ReadFile(agent_->log());
  ASSERT_TRUE(WaitFor([&] { return long_calls[0]->events.load() >= 4; }, absl::Seconds(20)))
      << "service events: " << long_calls[0]->events.load() << "\n"
      << ReadFile(agent_->log());

  v1::SetEndpointsRequest set_req;
  set_req.add_changes()->set_database(v1::DATABASE_PLATFORM);
  set_req.mutable_changes(0)->set_address("SQLNEW");
  set_req.set_expected_revision(client_->Revision());
  set_req.mutable_confirm_within()->set_seconds(60);
  v1::SetEndpointsResponse set;
  grpc::ClientContext set_ctx;
  set_ctx.set_deadline(In(absl::Seconds(5)));
  const absl::Time set_start = absl::Now();
  ASSERT_OK(client_->endpoints().Set(&set_ctx, set_req, &set));
  const absl::Duration set_took = absl::Now() - set_start;
  ASSERT_EQ(set.state(), v1::CHANGE_STATE_PENDING);

  v1::ConfirmRequest confirm;
  confirm.set_change_id(set.change_id());
  v1::ConfirmResponse confirmed;
  grpc::ClientContext confirm_ctx;
  confirm_ctx.set_deadline(In(absl::Seconds(2)));
  const absl::Time confirm_start = absl::Now();
  const grpc::Status s = client_->endpoints().Confirm(&confirm_ctx, confirm, &confirmed);
  const absl::Duration confirm_took = absl::Now() - confirm_start;
  ASSERT_OK(s);
  EXPECT_EQ(confirmed.state(), v1::CHANGE_STATE_CONFIRMED);
  std::cerr << "[lanes] Set took " << absl::FormatDuration(set_took) << ", Confirm took "
            << absl::FormatDuration(confirm_took) << " with a phase, 2 service-control calls and "
            << "4 probes running\n";
  // Still running: nothing above waited for them.
  EXPECT_FALSE(phase->done.load());
  EXPECT_FALSE(long_calls[0]->done.load());
}

TEST_F(LanesTest, CancelledPhaseAbortsThePublishAndPollsNoMore) {
  StartFakeServiceCenter();
  StartAgent(HttpServiceCenterYaml());
  std::unique_ptr<BackgroundCall> phase = RunPhase();
  ASSERT_TRUE(
      WaitFor([&] { return Count("SolutionPack_GetPublishMessages") >= 2; }, absl::Seconds(20)));
  phase->context.TryCancel();
  ASSERT_TRUE(WaitFor([&] { return Count("SolutionPack_PublishAbort") == 1; }, absl::Seconds(10)))
      << ReadFile(agent_->log());
  // The phase has ended once another one is accepted (not ABORTED "already running").
  ASSERT_TRUE(WaitFor(
      [&] {
        std::unique_ptr<BackgroundCall> dry = RunPhase(/*dry_run=*/true);
        dry->thread.join();
        return dry->status.ok();
      },
      absl::Seconds(10)));
  bool aborted = false;
  for (const nlohmann::json& r : Requests()) {
    if (r.value("op", "") == "SolutionPack_PublishAbort") aborted = true;
    if (aborted) {
      EXPECT_NE(r.value("op", ""), "SolutionPack_GetPublishMessages") << r.dump();
    }
  }
  EXPECT_TRUE(
      WaitFor([&] { return AuditHas("ServiceCenter.RunPhase", "CANCELLED"); }, absl::Seconds(10)))
      << ReadFile(dir_ + "/state/audit.log");
}

// Whether pid is gone (or a zombie nobody reaped yet: it runs no more).
bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z';
}

TEST_F(LanesTest, CancelledCommandPhaseKillsItsProcesses) {
  const std::string pid_file = dir_ + "/sleep.pid";
  StartAgent(
      absl::StrCat("service_center:\n  driver: command\n  command: [\"/bin/sh\", \"-c\", "
                   "\"/bin/sleep 3600 & echo $! > ",
                   pid_file, "; wait\"]\n"));
  std::unique_ptr<BackgroundCall> phase = RunPhase();
  int pid = 0;
  ASSERT_TRUE(WaitFor(
      [&] { return absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(pid_file)), &pid); },
      absl::Seconds(20)));
  ASSERT_FALSE(ProcessGone(pid));
  phase->context.TryCancel();
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(pid); }, absl::Seconds(10)));
  EXPECT_TRUE(
      WaitFor([&] { return AuditHas("ServiceCenter.RunPhase", "CANCELLED"); }, absl::Seconds(10)))
      << ReadFile(agent_->log());
}

TEST_F(LanesTest, ServiceControlStopsAtItsClientsDeadline) {
  StartAgent(absl::StrCat("services:\n", SleeperServiceYaml("svc-a")));
  // min_healthy of a minute, a deadline of 1.5 s: the hold stops at the deadline.
  const absl::Time start = absl::Now();
  std::unique_ptr<BackgroundCall> control =
      Control(v1::SERVICE_ACTION_START, absl::Minutes(1), absl::Milliseconds(1500));
  control->thread.join();
  EXPECT_EQ(control->status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(
      WaitFor([&] { return AuditHas("Services.Control", "DEADLINE_EXCEEDED"); }, absl::Seconds(10)))
      << ReadFile(agent_->log());
  std::cerr << "[lanes] Services.Control with a 1.5s deadline ended after "
            << absl::FormatDuration(absl::Now() - start) << " on the agent\n";
  // The next control runs at once: the first one let go of the services.
  std::unique_ptr<BackgroundCall> stop =
      Control(v1::SERVICE_ACTION_STOP, absl::ZeroDuration(), absl::Seconds(10));
  stop->thread.join();
  EXPECT_OK(stop->status);
}

TEST_F(LanesTest, CancelledServiceControlStops) {
  StartAgent(absl::StrCat("services:\n", SleeperServiceYaml("svc-a")));
  std::unique_ptr<BackgroundCall> control = Control(v1::SERVICE_ACTION_START, absl::Minutes(1));
  ASSERT_TRUE(WaitFor([&] { return control->events.load() >= 2; }, absl::Seconds(20)));
  control->context.TryCancel();
  EXPECT_TRUE(WaitFor([&] { return AuditHas("Services.Control", "CANCELLED"); }, absl::Seconds(10)))
      << ReadFile(agent_->log());
}

}  // namespace
}  // namespace osfleet::testing

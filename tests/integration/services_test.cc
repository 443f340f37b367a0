// Services, restarts and the confirm window on a real agent supervising two simulated
// OutSystems services that really connect to fake databases: a wrong endpoint really
// breaks them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/model/hsconf.h"
#include "common/model/revision.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

// server.hsconf (the DC fixture) with all three databases at `address`.
std::string HsconfAt(const std::string& address) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadFile(FixturePath("sqlserver-dc.hsconf")));
  std::vector<EndpointEdit> edits;
  for (DatabaseId id : kAllDatabases) edits.push_back({id, address});
  return ApplyEdits(*doc, edits)->bytes;
}

std::string ServiceYaml(const std::string& name, const std::string& hsconf) {
  return absl::StrCat("  - name: ", name, "\n    backend: process\n    command: [\"", BinDir(),
                      "/osfleet-simulated-service\", --name, \"", name, "\", --hsconf, \"", hsconf,
                      "\", --check-interval-ms, \"50\", --timeout-ms, \"500\"]\n",
                      "    ready: {stays_up_ms: 300}\n    start_timeout: 10s\n",
                      "    stop_timeout: 5s\n");
}

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two instances, two versions: moving between them is a move to another server, which
    // `endpoints set` refuses unless --allow-different-server (these tests give it).
    old_db_ = std::make_unique<FakeDatabase>(tmp_.Sub("old-db"), "15.0.4153.1");
    new_db_ = std::make_unique<FakeDatabase>(tmp_.Sub("new-db"), "16.0.1000.6");
    ASSERT_TRUE(old_db_->WaitReady());
    ASSERT_TRUE(new_db_->WaitReady());
    dir_ = tmp_.Sub("dc01");
    mkdir(dir_.c_str(), 0755);
    original_ = HsconfAt(old_db_->address());
    WriteFile(dir_ + "/server.hsconf", original_);
    WriteFile(dir_ + "/agent.yaml",
              absl::StrCat("start_services: true\nmin_healthy: 300ms\nservices:\n",
                           ServiceYaml("OutSystems Deployment Service", dir_ + "/server.hsconf"),
                           ServiceYaml("OutSystems Scheduler Service", dir_ + "/server.hsconf")));
    StartAgent();
  }

  void StartAgent() {
    AgentOptions options{"dc01", "deployment_controller", ""};
    options.extra_args = {"--config", dir_ + "/agent.yaml"};
    agent_ = std::make_unique<Agent>(dir_, options);
    const bool ready = agent_->WaitReady();
    client_ = std::make_unique<AgentClient>(agent_->address());  // even on failure
    ASSERT_TRUE(ready) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
    ASSERT_TRUE(WaitFor([this] { return AllRunning(); }, absl::Seconds(20)))
        << ReadFile(agent_->log());
  }

  bool AllRunning() {
    v1::ListServicesResponse list;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::Services::Stub stub(
        grpc::CreateChannel(agent_->address(), grpc::InsecureChannelCredentials()));
    if (!stub.List(&ctx, {}, &list).ok() || list.services_size() != 2) return false;
    for (const auto& s : list.services()) {
      if (s.state() != v1::SERVICE_STATE_RUNNING) return false;
    }
    return true;
  }

  ProcessResult Osctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure"});
    return RunOsctl(args);
  }

  std::string Hsconf() { return ReadFile(dir_ + "/server.hsconf"); }

  TempDir tmp_;
  std::unique_ptr<FakeDatabase> old_db_, new_db_;
  std::string dir_, original_, inventory_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<AgentClient> client_;
};

TEST_F(ServicesTest, ListAndRestartInOrder) {
  ProcessResult list = Osctl({"services", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("OutSystems Scheduler Service"));
  EXPECT_THAT(list.out, HasSubstr("running"));
  ProcessResult restart = Osctl({"services", "restart"});
  ASSERT_EQ(restart.exit_code, 0) << restart.out << restart.err;
  // Stop in reverse order, start in order.
  const size_t stop_sched = restart.out.find("OutSystems Scheduler Service");
  const size_t stop_depl = restart.out.find("OutSystems Deployment Service");
  const size_t start_depl = restart.out.find("running");
  EXPECT_LT(stop_sched, stop_depl);
  EXPECT_LT(stop_depl, start_depl);
  EXPECT_THAT(restart.out, HasSubstr("1 server: 1 ok, 0 failed"));
  EXPECT_TRUE(AllRunning());
}

TEST_F(ServicesTest, ChangeWithRestartToAReachableDatabase) {
  ProcessResult r =
      Osctl({"endpoints", "set", "--allow-different-server", "--restart", "--platform",
             new_db_->address(), "--log", new_db_->address(), "--session", new_db_->address()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(Hsconf(), HasSubstr(new_db_->address()));
  EXPECT_TRUE(AllRunning());
}

TEST_F(ServicesTest, UnreachableAddressRevertsAtOnceAndSaysWhy) {
  const std::string closed = "127.0.0.1," + std::to_string(UnusedPort());
  ProcessResult r =
      Osctl({"endpoints", "set", "--allow-different-server", "--restart", "--platform", closed});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("reverted"));
  EXPECT_THAT(r.out, HasSubstr("cannot reach the platform database"));
  EXPECT_EQ(Hsconf(), original_);
  EXPECT_TRUE(WaitFor([this] { return AllRunning(); }, absl::Seconds(20)));
}

TEST_F(ServicesTest, UnconfirmedChangeRevertsByItself) {
  ProcessResult r = Osctl({"endpoints", "set", "--allow-different-server", "--restart",
                           "--confirm-timeout", "1s", "--platform", new_db_->address()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("pending confirmation until")) << r.out;
  ASSERT_TRUE(WaitFor([this] { return Hsconf() == original_; }, absl::Seconds(20)))
      << ReadFile(agent_->log());
  // The log line follows the restore by a moment.
  EXPECT_TRUE(WaitFor(
      [this] {
        return ReadFile(agent_->log()).find("reverted (not confirmed by") != std::string::npos;
      },
      absl::Seconds(10)))
      << ReadFile(agent_->log());
  EXPECT_TRUE(WaitFor([this] { return AllRunning(); }, absl::Seconds(20)));
}

TEST_F(ServicesTest, ConfirmedChangeStays) {
  ProcessResult r = Osctl({"endpoints", "set", "--allow-different-server", "--confirm-timeout",
                           "2s", "--platform", new_db_->address()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string changed = Hsconf();
  // While pending, no other change is accepted.
  v1::SetEndpointsResponse set;
  grpc::Status busy =
      client_->Set(v1::DATABASE_LOGGING, old_db_->address(), Sha256Hex(changed), &set);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(busy.error_message(), HasSubstr("pending confirmation"));
  ProcessResult confirm = Osctl({"endpoints", "confirm"});
  ASSERT_EQ(confirm.exit_code, 0) << confirm.out << confirm.err;
  EXPECT_THAT(confirm.out, HasSubstr("confirmed"));
  v1::GetEndpointsResponse get;
  ASSERT_OK(client_->endpoints().Get(client_->Context().get(), {}, &get));
  EXPECT_FALSE(get.has_pending());
  // Past the window, the change is still there.
  ASSERT_FALSE(WaitFor([this] { return Hsconf() == original_; }, absl::Seconds(3)));
  EXPECT_EQ(Hsconf(), changed);
}

TEST_F(ServicesTest, RollbackRevertsThePendingChangeNow) {
  ASSERT_EQ(Osctl({"endpoints", "set", "--allow-different-server", "--confirm-timeout", "10m",
                   "--log", new_db_->address()})
                .exit_code,
            0);
  ProcessResult r = Osctl({"endpoints", "rollback"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("restored"));
  EXPECT_EQ(Hsconf(), original_);
  ProcessResult nothing = Osctl({"endpoints", "rollback"});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_THAT(nothing.out, HasSubstr("nothing is pending"));
}

TEST_F(ServicesTest, AgentKilledInsideTheWindowStillReverts) {
  ASSERT_EQ(Osctl({"endpoints", "set", "--allow-different-server", "--restart", "--confirm-timeout",
                   "2s", "--platform", new_db_->address()})
                .exit_code,
            0);
  EXPECT_NE(Hsconf(), original_);
  agent_->process().Stop(SIGKILL);
  StartAgent();  // same state dir: it finds the pending change
  ASSERT_TRUE(WaitFor([this] { return Hsconf() == original_; }, absl::Seconds(20)))
      << ReadFile(agent_->log());
  EXPECT_TRUE(WaitFor([this] { return AllRunning(); }, absl::Seconds(20)));
}

TEST_F(ServicesTest, ProbeFromTheServer) {
  const std::string closed = "127.0.0.1," + std::to_string(UnusedPort());
  ProcessResult ok = Osctl({"probe", "--platform", new_db_->address()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("16.0.1000.6"));
  ProcessResult current = Osctl({"probe", "--output", "json"});
  EXPECT_EQ(current.exit_code, 0);
  auto doc = nlohmann::json::parse(current.out);
  EXPECT_EQ(doc["hosts"][0]["result"]["results"].size(), 3u);
  EXPECT_EQ(doc["hosts"][0]["result"]["results"][0]["serverVersion"], "15.0.4153.1");
  ProcessResult bad = Osctl({"probe", "--log", closed, "--session", "nosuch.invalid,1433"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("2 probe(s) failed"));
  EXPECT_THAT(bad.out, HasSubstr("refused"));
}

}  // namespace
}  // namespace osfleet::testing

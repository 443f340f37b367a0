// `osctl sc run` end to end: osctl -> the Deployment Controller's agent -> the fake
// Service Center (a real HTTP server), in each of the fake's failure modes. The password
// hash must never appear in any output or log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "osfleet-admin";
constexpr char kHash[] = "Zx9SecretHashValue0123456789abcdef";

class ScRunTest : public ::testing::Test {
 protected:
  // Starts the fake in `mode` and an agent configured to use it (or `url` if given).
  void Start(const std::string& mode, const std::string& url = "") {
    const std::string fake_dir = tmp_.Sub("sc");
    mkdir(fake_dir.c_str(), 0755);
    request_log_ = fake_dir + "/requests.jsonl";
    fake_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "/usr/bin/python3",
            std::string(OSFLEET_SOURCE_DIR) + "/tests/fakes/fake_service_center.py", "--port-file",
            fake_dir + "/port", "--user", kUser, "--hash", kHash, "--mode", mode, "--request-log",
            request_log_},
        fake_dir + "/fake.log");
    int port = 0;
    ASSERT_TRUE(WaitFor([&] { return absl::SimpleAtoi(ReadFile(fake_dir + "/port"), &port); },
                        absl::Seconds(20)));
    const std::string dir = tmp_.Sub("dc01");
    mkdir(dir.c_str(), 0755);
    WriteFile(dir + "/sc.hash", absl::StrCat("#", kHash, "\n"));
    chmod((dir + "/sc.hash").c_str(), 0600);
    WriteFile(dir + "/agent.yaml",
              absl::StrCat("service_center:\n  driver: http\n  url: ",
                           url.empty() ? absl::StrCat("http://127.0.0.1:", port) : url,
                           "\n  user: ", kUser, "\n  password_hash_file: ", dir,
                           "/sc.hash\n  poll_interval: 20ms\n  request_timeout: 5s\n"));
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.extra_args = {"--config", dir + "/agent.yaml"};
    agent_ = std::make_unique<Agent>(dir, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
  }

  ProcessResult Sc(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure", "sc", "run"});
    ProcessResult r = RunOsctl(args);
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kHash)));
    return r;
  }

  std::vector<nlohmann::json> Requests() {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(request_log_), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(std::string(line)));
    }
    return out;
  }

  int Count(const std::string& op) {
    int n = 0;
    for (const auto& r : Requests()) n += r.value("op", "") == op ? 1 : 0;
    return n;
  }

  void TearDown() override {
    if (agent_) {
      EXPECT_THAT(ReadFile(agent_->log()), Not(HasSubstr(kHash)));
    }
  }

  TempDir tmp_;
  std::unique_ptr<ChildProcess> fake_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_, request_log_;
};

TEST_F(ScRunTest, RepublishesEveryModule) {
  Start("ok");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 module(s) to republish"));
  EXPECT_THAT(r.out, HasSubstr("finished: 5 module(s)"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 1);
  EXPECT_GE(Count("SolutionPack_GetPublishMessages"), 2);
}

TEST_F(ScRunTest, DryRunPublishesNothing) {
  Start("ok");
  ProcessResult r = Sc({"--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("dry run: 5 module(s)"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScRunTest, WarningsAreShownAndCanStopThePhase) {
  Start("warnings");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("warning: "));
  ProcessResult stop = Sc({"--stop-on-warning"});
  EXPECT_EQ(stop.exit_code, 1);
  EXPECT_THAT(stop.out, HasSubstr("aborting the publish"));
  EXPECT_EQ(Count("SolutionPack_PublishAbort"), 1);
}

TEST_F(ScRunTest, ErrorsAbortThePublish) {
  Start("errors");
  ProcessResult r = Sc({"--output", "json"});
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_THAT(doc["error"]["message"].get<std::string>(), HasSubstr("Module3"));
  EXPECT_EQ(Count("SolutionPack_PublishAbort"), 1);
}

TEST_F(ScRunTest, SlowPublishIsFollowedToTheEnd) {
  Start("slow");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(Count("SolutionPack_GetPublishMessages"), 10);
}

TEST_F(ScRunTest, RefusedCredentials) {
  Start("unauthorized");
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("UNAUTHENTICATED"));
}

TEST_F(ScRunTest, UnreachableServiceCenter) {
  Start("ok", "http://127.0.0.1:" + std::to_string(UnusedPort()));
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("UNAVAILABLE"));
}

TEST_F(ScRunTest, MalformedAnswersAreReportedNotTrusted) {
  Start("malformed-xml");
  ProcessResult xml = Sc({});
  EXPECT_EQ(xml.exit_code, 1);
  EXPECT_THAT(xml.out, Not(HasSubstr("finished")));
}

TEST_F(ScRunTest, MalformedPublishAnswer) {
  Start("malformed-json");
  ProcessResult json = Sc({});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(json.out, HasSubstr("publishId"));
}

TEST(ScRunWithoutConfig, FrontEndDoesNotRunThePhase) {
  TempDir tmp;
  Agent agent(tmp.Sub("dc01"),
              AgentOptions{"dc01", "deployment_controller", "sqlserver-dc.hsconf"});
  ASSERT_TRUE(agent.WaitReady());
  const std::string inv =
      WriteInventory(tmp.Sub("inv.yaml"), {{"dc01", agent.address(), "deployment_controller"}});
  ProcessResult r = RunOsctl({"--inventory", inv, "--insecure", "sc", "run"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("does not run the Service Center phase"));
  const std::string fe_only = WriteInventory(tmp.Sub("fe.yaml"), {{"fe01", agent.address(), "fe"}});
  EXPECT_EQ(RunOsctl({"--inventory", fe_only, "--insecure", "sc", "run"}).exit_code, 2);
}

}  // namespace
}  // namespace osfleet::testing

// Live progress through a rollout's long steps (issue 29, item 5), with real agents running
// the fake ConfigurationTool.com for a few seconds per server (its log growing a line every
// 300 ms) and heartbeats every 200 ms: the start, heartbeats with the elapsed time and the
// tool's latest log line, and the end of each step in `-o jsonl`; Agent.GetActivity itself;
// and Ctrl-C on a terminal, which asks before it sets off a rollback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "osfleet/v1/agent.grpc.pb.h"
#include "tests/integration/client.h"
#include "tests/integration/farm.h"
#include "tests/integration/terminal.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr int kToolMs = 3000;

class ProgressTest : public ::testing::Test {
 protected:
  void StartFarm(int front_ends) {
    FarmOptions o;
    o.front_ends = front_ends;
    o.configuration_tool = true;
    o.tool_delay_ms = kToolMs;
    o.tool_progress_ms = 300;
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), std::move(o));
    ASSERT_TRUE(farm_->Start());
  }
  std::vector<std::string> ApplyArgs(bool yes) const {
    const std::string a = farm_->new_db().address();
    std::vector<std::string> args = {
        "--heartbeat-interval", "200ms", "rollout", "apply", "--batch",   "100%",
        "--platform",           a,       "--log",   a,       "--session", a};
    if (yes) args.push_back("--yes");
    return args;
  }
  // The progress events of one server and step, in order.
  static std::vector<nlohmann::json> Progress(const std::vector<nlohmann::json>& events,
                                              const std::string& server, const std::string& step) {
    std::vector<nlohmann::json> out;
    for (const nlohmann::json& e : events) {
      if (e.value("kind", "") == "progress" && e["server"] == server &&
          e["progress"]["step"] == step) {
        out.push_back(e);
      }
    }
    return out;
  }
  // How many runs of the tool a server has had.
  size_t ToolRuns(const std::string& name) const {
    const std::string record = ReadFile(tmp_.Sub("farm") + "/" + name + "/tool.jsonl");
    return std::vector<absl::string_view>(absl::StrSplit(record, '\n', absl::SkipEmpty())).size();
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(ProgressTest, JsonlHasHeartbeatsWithTheElapsedTimeAndTheToolsLatestLogLine) {
  StartFarm(1);
  std::vector<std::string> args = ApplyArgs(true);
  args.insert(args.begin(), {"-o", "jsonl"});
  ProcessResult r = farm_->Osctl(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<nlohmann::json> events;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    events.push_back(nlohmann::json::parse(line));
  }
  for (const std::string server : {"dc01", "fe01"}) {
    const std::vector<nlohmann::json> tool = Progress(events, server, "ConfigurationTool");
    ASSERT_GE(tool.size(), 4u) << r.out;
    EXPECT_EQ(tool.front()["progress"]["state"], "start");
    EXPECT_EQ(tool.back()["progress"]["state"], "done");
    EXPECT_GE(tool.back()["progress"]["elapsed"].get<double>(), kToolMs / 1000.0 - 0.1);
    // A heartbeat at least every 15 s: here every 200 ms, through a 3 s run.
    int beats = 0;
    int with_line = 0;
    double last_elapsed = 0;
    double last_t = tool.front()["t"].get<double>();
    for (const nlohmann::json& e : tool) {
      EXPECT_LT(e["t"].get<double>() - last_t, 15.0) << e;
      last_t = e["t"].get<double>();
      if (e["progress"]["state"] != "heartbeat") continue;
      ++beats;
      const double elapsed = e["progress"]["elapsed"].get<double>();
      const std::string log = e["progress"]["log"];
      if (!log.empty()) {
        // The agent's clock for the tool's run (before the run, osctl's own for the call).
        EXPECT_GE(elapsed, last_elapsed) << e;
        last_elapsed = elapsed;
        ++with_line;
        EXPECT_THAT(log,
                    MatchesRegex(R"(\[fake ConfigurationTool\] (upgrading: step [0-9]+|finished))"))
            << e;
        EXPECT_THAT(e["text"].get<std::string>(), HasSubstr(log));
      }
      EXPECT_EQ(e["ok"], true);
      EXPECT_TRUE(e.contains("batch") && e.contains("batches") && e.contains("done") &&
                  e.contains("total"))
          << e;
      EXPECT_EQ(e["total"], 2);
    }
    EXPECT_GE(beats, 5) << r.out;
    EXPECT_GE(with_line, 3) << r.out;
    EXPECT_GT(last_elapsed, 1.0) << r.out;
  }
  // The restarts after the tool runs, and the Service Center phase, are steps too.
  for (const auto& [server, step] : std::vector<std::pair<std::string, std::string>>{
           {"dc01", "ServiceRestart"}, {"fe01", "ServiceRestart"}, {"dc01", "ServiceCenter"}}) {
    const std::vector<nlohmann::json> p = Progress(events, server, step);
    ASSERT_GE(p.size(), 2u) << server << " " << step << "\n" << r.out;
    EXPECT_EQ(p.front()["progress"]["state"], "start");
    EXPECT_EQ(p.back()["progress"]["state"], "done");
  }
}

// `endpoints set` on its own runs the Configuration Tool one server at a time too: the same
// heartbeats between its plan and its result, which stays the stream's last line.
TEST_F(ProgressTest, EndpointsSetHasHeartbeatsThroughEachToolRun) {
  StartFarm(1);
  const std::string a = farm_->new_db().address();
  ProcessResult r =
      farm_->Osctl({"-o", "jsonl", "--heartbeat-interval", "200ms", "endpoints", "set",
                    "--platform", a, "--log", a, "--session", a, "--restart", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<nlohmann::json> events;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    events.push_back(nlohmann::json::parse(line));
  }
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["command"], "endpoints set") << r.out;
  for (const std::string server : {"dc01", "fe01"}) {
    int with_line = 0;
    for (const nlohmann::json& e : Progress(events, server, "ConfigurationTool")) {
      EXPECT_EQ(e["progress"]["state"], "heartbeat") << e;
      const std::string log = e["progress"]["log"];
      with_line += !log.empty();
    }
    EXPECT_GE(with_line, 3) << server << "\n" << r.out;
  }
  EXPECT_THAT(farm_->Hsconf("fe01"), HasSubstr(a));
}

// An idle agent answers with nothing in progress, and its own clock.
TEST(AgentActivityTest, AnIdleAgentAnswersWithNothingInProgress) {
  TempDir tmp;
  Agent agent(tmp.Sub("agent"), {});
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  AgentClient client(agent.address());
  v1::GetActivityResponse idle;
  ASSERT_TRUE(client.agent().GetActivity(client.Context().get(), {}, &idle).ok());
  EXPECT_EQ(idle.activities_size(), 0);
  EXPECT_GT(idle.agent_time().seconds(), 1'700'000'000);
}

TEST_F(ProgressTest, AHeartbeatIntervalOutsideItsBoundsIsRefused) {
  StartFarm(1);
  std::vector<std::string> args = ApplyArgs(true);
  args[1] = "1h";
  ProcessResult r = farm_->Osctl(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--heartbeat-interval: '1h' is outside 50ms..15s"));
  EXPECT_EQ(farm_->Hsconf("dc01"), farm_->original());
}

// Ctrl-C while dc01's tool runs, then "n": the rollout goes on to the end.
TEST_F(ProgressTest, CtrlCAsksAndNGoesOn) {
  StartFarm(1);
  ProcessResult r = RunOnTerminalSteps(farm_->OsctlArgv(ApplyArgs(false)), farm_->OsctlEnv(),
                                       {{"? [y/N]", "y\n"},  // the rollout's own question
                                        {"dc01     ConfigurationTool started", "\x03"},
                                        {"Roll back? [y/N] (Ctrl-C again: yes)", "n\n"}});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("osctl: Ctrl-C: dc01's Configuration Tool run goes on on the "
                               "server; then osctl puts dc01 back on the old address. Roll "
                               "back? [y/N]"));
  EXPECT_THAT(r.out, HasSubstr("going on with the rollout (Ctrl-C asks again)"));
  EXPECT_EQ(farm_->Journal()["phase"], "done");
  EXPECT_THAT(farm_->Hsconf("fe01"), HasSubstr(farm_->new_db().address()));
  // The status line was drawn in place (\r, erase line) on the terminal.
  EXPECT_THAT(r.out, HasSubstr("\r\x1b[Kbatch 1/"));
}

// Ctrl-C while dc01's tool runs, then "y": once dc01's run ended, dc01 is put back and fe01
// is never touched.
TEST_F(ProgressTest, CtrlCAsksAndYRollsBackAfterTheStepInProgress) {
  StartFarm(1);
  ProcessResult r = RunOnTerminalSteps(farm_->OsctlArgv(ApplyArgs(false)), farm_->OsctlEnv(),
                                       {{"? [y/N]", "y\n"},
                                        {"dc01     ConfigurationTool started", "\x03"},
                                        {"Roll back? [y/N]", "y\n"}});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("osctl: stopping."));
  EXPECT_THAT(r.out, HasSubstr("ConfigurationTool done after"));  // dc01's run was not cut
  EXPECT_EQ(farm_->Journal()["phase"], "rolled_back") << r.out;
  EXPECT_EQ(farm_->Hsconf("dc01"), farm_->original());
  EXPECT_EQ(farm_->Hsconf("fe01"), farm_->original());
  EXPECT_EQ(ToolRuns("fe01"), 0u);  // never started
}

// A second Ctrl-C while the question is open is a yes.
TEST_F(ProgressTest, ASecondCtrlCAtTheQuestionIsAYes) {
  StartFarm(1);
  ProcessResult r = RunOnTerminalSteps(farm_->OsctlArgv(ApplyArgs(false)), farm_->OsctlEnv(),
                                       {{"? [y/N]", "y\n"},
                                        {"dc01     ConfigurationTool started", "\x03"},
                                        {"Roll back? [y/N]", "\x03"}});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("osctl: stopping."));
  EXPECT_EQ(farm_->Journal()["phase"], "rolled_back") << r.out;
  EXPECT_EQ(farm_->Hsconf("dc01"), farm_->original());
}

}  // namespace
}  // namespace osfleet::testing

// `osctl rollout` end to end on a simulated farm: 1 Deployment Controller + 4 Front-Ends,
// real agents, services that break on a wrong endpoint, a fake Service Center.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "tests/integration/farm.h"
#include "tests/integration/terminal.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> MoveAll(const std::string& address) {
  return {"--platform", address, "--log", address, "--session", address};
}

FarmOptions Small(int front_ends, int stays_up_ms = 200, const std::string& min_healthy = "200ms") {
  FarmOptions o;
  o.front_ends = front_ends;
  o.stays_up_ms = stays_up_ms;
  o.min_healthy = min_healthy;
  return o;
}

class RolloutTest : public ::testing::Test {
 protected:
  void StartFarm(FarmOptions options = {}) {
    farm_ = std::make_unique<osfleet::testing::Farm>(tmp_.Sub("farm"), std::move(options));
    ASSERT_TRUE(farm_->Start());
  }
  ProcessResult Apply(std::vector<std::string> extra) {
    std::vector<std::string> args = {"rollout", "apply", "--yes"};
    auto move = MoveAll(farm_->new_db().address());
    args.insert(args.end(), move.begin(), move.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return farm_->Osctl(args);
  }
  std::vector<std::string> Names() {
    std::vector<std::string> out;
    for (auto& a : farm_->agents()) out.push_back(a->options().name);
    return out;
  }
  // `rollout apply --yes --batch 1 ARGS...` as a background osctl process.
  std::unique_ptr<ChildProcess> ApplyInBackground(std::vector<std::string> args,
                                                  const std::string& log) {
    args.insert(args.begin(), {"rollout", "apply", "--yes", "--batch", "1"});
    return std::make_unique<ChildProcess>(farm_->OsctlArgv(args), tmp_.Sub(log), farm_->OsctlEnv());
  }
  // Waits until the newest journal lists `hosts` servers and host `index` is in `state`.
  bool WaitForHost(size_t hosts, size_t index, const std::string& state) {
    return WaitFor(
        [&] {
          nlohmann::json j = farm_->Journal();
          return !j.is_null() && j["hosts"].size() == hosts && j["hosts"][index]["state"] == state;
        },
        absl::Seconds(60));
  }
  bool AllRunningAgain() {
    for (const std::string& n : Names()) {
      if (!WaitFor([&] { return farm_->AllRunning(n); }, absl::Seconds(20))) return false;
    }
    return true;
  }
  bool EveryFileIs(const std::string& bytes) {
    for (const std::string& n : Names()) {
      if (farm_->Hsconf(n) != bytes) return false;
    }
    return true;
  }
  TempDir tmp_;
  std::unique_ptr<osfleet::testing::Farm> farm_;
};

TEST_F(RolloutTest, HappyPathInBatches) {
  StartFarm();
  ProcessResult r = Apply({"--batch", "50%", "--canary", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(farm_->new_db().address())) << n;
    EXPECT_TRUE(farm_->AllRunning(n)) << n;
  }
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["phase"], "done");
  EXPECT_EQ(j["batches"], 4);  // dc01 | canary fe01 | fe02 fe03 | fe04
  for (const auto& h : j["hosts"]) {
    EXPECT_EQ(h["state"], "confirmed") << h;
    EXPECT_GT(h["restart_seconds"].get<double>(), 0) << h;
    if (h["name"] == "dc01") {
      EXPECT_EQ(h["batch"], 0);
    }
  }
  int publishes = 0;
  for (const auto& req : farm_->ScRequests()) {
    publishes += req["op"] == "Staging_PublishWith2StepOption";
  }
  EXPECT_EQ(publishes, 1);
  EXPECT_THAT(r.out, HasSubstr("publish"));
  EXPECT_THAT(r.out, HasSubstr("rollout "));
}

TEST_F(RolloutTest, PlanChangesNothing) {
  StartFarm(Small(2));
  std::vector<std::string> args = {"rollout", "plan"};
  auto move = MoveAll(farm_->new_db().address());
  args.insert(args.end(), move.begin(), move.end());
  ProcessResult r = farm_->Osctl(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("reaches platform (SQL Server 15.0.4153.1)"));
  // The two fakes share a CA-issued certificate: not proof either way, a warning.
  EXPECT_THAT(r.out, HasSubstr("warning: every server (3) platform, log, session: whether"));
  EXPECT_THAT(r.out, HasSubstr("nothing was changed"));
  args.insert(args.end(), {"--output", "json"});
  ProcessResult json = farm_->Osctl(args);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json plan = nlohmann::json::parse(json.out);
  EXPECT_EQ(plan["batches"], 3);  // dc01 | fe01 (canary) | fe02
  EXPECT_EQ(plan["hosts"][0]["name"], "dc01");
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  EXPECT_TRUE(farm_->Journal().is_null());
}

TEST_F(RolloutTest, PreflightRefusesWhenOneServerCannotReachTheNewDatabase) {
  FarmOptions options;
  options.front_ends = 3;
  options.new_db_browser = true;
  // fe03 cannot reach the SQL Server Browser (UDP 1434 blocked from its network).
  options.extra_config["fe03"] =
      absl::StrCat("probe: {timeout: 500ms, sql_browser_port: ", UnusedPort(), "}\n");
  StartFarm(options);
  ProcessResult r = farm_->Osctl({"rollout", "apply", "--yes", "--platform", "127.0.0.1\\NEWINST"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("not reachable from every server: fe03"));
  EXPECT_THAT(r.out, HasSubstr("SQL Server Browser"));
  EXPECT_TRUE(EveryFileIs(farm_->original()));
}

// An inventory with the roles of dc01 and fe01 swapped (mTLS: each address still reaches
// the agent of its name) would restart a Front-End first and run the Service Center phase
// there: refused before anything changes, naming both sides.
TEST_F(RolloutTest, SwappedRolesAreRefusedBeforeAnythingChanges) {
  StartFarm(Small(2));
  std::vector<InventoryEntry> swapped;
  for (auto& a : farm_->agents()) {
    const std::string& name = a->options().name;
    const std::string role = name == "dc01"   ? "front_end"
                             : name == "fe01" ? "deployment_controller"
                                              : a->options().role;
    swapped.push_back({name, a->address(), role});
  }
  const std::string inventory = WriteInventory(
      tmp_.Sub("farm/swapped.yaml"), swapped,
      "defaults:\n  tls: {ca: pki/ca.pem, cert: pki/tester.pem, key: pki/tester.key}");
  std::vector<std::string> argv = {BinDir() + "/osctl", "--inventory", inventory,
                                   "rollout",           "apply",       "--yes"};
  for (const std::string& arg : MoveAll(farm_->new_db().address())) argv.push_back(arg);
  ProcessResult r = RunProgram(argv, farm_->OsctlEnv());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("dc01: the inventory says front_end, its agent (named dc01) says "
                               "deployment_controller"));
  EXPECT_THAT(r.err, HasSubstr("fe01: the inventory says deployment_controller, its agent (named "
                               "fe01) says front_end"));
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  EXPECT_TRUE(farm_->Journal().is_null());
  EXPECT_TRUE(farm_->ScRequests().empty());
}

TEST_F(RolloutTest, FailingFrontEndRollsEverythingBack) {
  FarmOptions options;
  options.front_ends = 3;
  // fe02's services cannot reach the new database (a firewall only they hit).
  options.service_args["fe02"] = {"--unreachable", "{new}"};
  StartFarm(options);
  ProcessResult r = Apply({"--batch", "1", "--canary", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("cannot reach the platform database"));
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["phase"], "rolled_back");
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("fe02"));
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  EXPECT_TRUE(AllRunningAgain());
  for (const auto& h : j["hosts"]) {
    if (h["name"] == "fe03") {
      EXPECT_EQ(h["state"], "planned");  // never touched
    }
  }
}

TEST_F(RolloutTest, OsctlKilledMidBatchThenStatusResumeRollback) {
  StartFarm(Small(3, 400, "400ms"));
  auto osctl = ApplyInBackground({"--canary", "1", "--platform", farm_->new_db().address(), "--log",
                                  farm_->new_db().address()},
                                 "osctl.log");
  ASSERT_TRUE(WaitForHost(4, 1, "applying"));
  osctl->Stop(SIGKILL);
  ProcessResult status = farm_->Osctl({"rollout", "status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.out, HasSubstr("applying"));
  EXPECT_THAT(status.out, Not(HasSubstr("elapsed -")));
  ProcessResult resume = farm_->Osctl({"rollout", "resume", "--yes"});
  ASSERT_EQ(resume.exit_code, 0) << resume.out << resume.err;
  EXPECT_EQ(farm_->Journal()["phase"], "done");
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(farm_->new_db().address())) << n;
  }
  ProcessResult rollback = farm_->Osctl({"rollout", "rollback", "--yes"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_EQ(farm_->Journal()["phase"], "rolled_back");
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  EXPECT_TRUE(AllRunningAgain());
}

TEST_F(RolloutTest, CtrlCStopsBetweenBatchesAndResumeFinishes) {
  StartFarm(Small(3, 400, "400ms"));
  auto osctl = ApplyInBackground({"--platform", farm_->new_db().address()}, "osctl.log");
  ASSERT_TRUE(WaitForHost(4, 0, "applying"));
  // Ctrl-C while the Deployment Controller's batch runs: that batch finishes, no other
  // starts, and what changed is brought back.
  EXPECT_EQ(osctl->Stop(SIGINT), 1) << ReadFile(tmp_.Sub("osctl.log"));
  nlohmann::json j = farm_->Journal();
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("interrupted before batch 2"));
  // Stopped without a split: the Deployment Controller was brought back at once.
  EXPECT_EQ(j["hosts"][0]["state"], "rolled_back");
  EXPECT_EQ(j["hosts"][1]["state"], "planned");
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  // Without --yes and without a terminal to ask on, resume changes nothing.
  ProcessResult refused = farm_->Osctl({"rollout", "resume"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("not resumed (no terminal to ask on; pass --yes)"));
  EXPECT_THAT(refused.err, HasSubstr(absl::StrCat("Platform ", farm_->old_db().address(), " → ",
                                                  farm_->new_db().address())));
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  ProcessResult resume = farm_->Osctl({"rollout", "resume", "--yes"});
  ASSERT_EQ(resume.exit_code, 0) << resume.out << resume.err;
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(farm_->new_db().address())) << n;
  }
  // Before changing anything: the target, what is done and left, the preflight again.
  EXPECT_THAT(resume.out, HasSubstr("done: 0 of 4 servers; left: dc01, fe01, fe02, fe03"));
  EXPECT_THAT(resume.out, HasSubstr("reaches platform (SQL Server"));
  // The summary is the whole rollout's: completed, not the earlier stop's "back on the old".
  EXPECT_THAT(resume.out,
              HasSubstr(absl::StrCat("rollout ", j["id"].get<std::string>(), ": done")));
  EXPECT_THAT(resume.out, HasSubstr("completed by `osctl rollout resume`; the earlier run had "
                                    "stopped: interrupted before batch 2"));
  EXPECT_THAT(resume.out, HasSubstr("confirmed on the new address: 4 of 4 servers"));
  EXPECT_THAT(resume.out, Not(HasSubstr("back on the old address")));
  EXPECT_EQ(farm_->Journal()["phase"], "done");
}

// The new address on screen: the question, each plan line, the summary's table, and the
// first line of `rollout status` (and its JSON).
TEST_F(RolloutTest, TheNewAddressIsOnScreenFromPromptToStatus) {
  StartFarm(Small(2));
  const std::string old_address = farm_->old_db().address();
  const std::string new_address = farm_->new_db().address();
  std::vector<std::string> args = {"rollout",   "apply",     "--platform",
                                   new_address, "--session", new_address};
  const std::string question =
      absl::StrCat("Move 3 servers: Platform ", old_address, " → ", new_address, ", Session ",
                   old_address, " → ", new_address, "? [y/N]");
  ProcessResult declined = RunOnTerminal(farm_->OsctlArgv(args), farm_->OsctlEnv(), "[y/N]", "n\n");
  EXPECT_EQ(declined.exit_code, 2) << declined.out;
  EXPECT_THAT(declined.out, HasSubstr(question));
  EXPECT_THAT(declined.out, HasSubstr("not applied (not confirmed at the prompt)"));
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  ProcessResult r = RunOnTerminal(farm_->OsctlArgv(args), farm_->OsctlEnv(), "[y/N]", "y\n");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr(question));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("batch 1: platform Server ", old_address, " → ",
                                            new_address, ", session Server ", old_address)));
  EXPECT_THAT(r.out, Not(HasSubstr("field(s) to change")));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("target: Platform ", old_address, " → ", new_address)));
  EXPECT_THAT(r.out, HasSubstr("PLATFORM"));
  EXPECT_THAT(r.out, HasSubstr("SESSION"));
  EXPECT_THAT(r.out, Not(HasSubstr("LOG ")));  // the log database does not move
  EXPECT_THAT(r.out, Not(HasSubstr("(BEFORE)")));
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(new_address)) << n;
  }
  ProcessResult status = farm_->Osctl({"rollout", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_THAT(status.out.substr(0, status.out.find('\n')),
              HasSubstr(absl::StrCat("converged: every server on the new address; target: "
                                     "Platform ",
                                     old_address, " → ", new_address, ", Session")));
  ProcessResult json = farm_->Osctl({"rollout", "status", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["target"]["platform"]["to"], new_address);
  EXPECT_EQ(doc["target"]["platform"]["from"], nlohmann::json::array({old_address}));
  EXPECT_FALSE(doc["target"].contains("log"));
}

// A resume runs the preflight again: a new address that stopped answering since the
// plan refuses it (exit 3) before anything changes.
TEST_F(RolloutTest, ResumeRunsThePreflightAgain) {
  StartFarm(Small(1));
  auto move = MoveAll(farm_->new_db().address());
  std::vector<std::string> args = {"rollout", "apply"};
  args.insert(args.end(), move.begin(), move.end());
  ProcessResult planned = farm_->Osctl(args);  // no terminal, no --yes: the plan is kept
  ASSERT_EQ(planned.exit_code, 2) << planned.out << planned.err;
  ASSERT_EQ(farm_->Journal()["phase"], "planned");
  farm_->new_db().Stop();
  ProcessResult resume = farm_->Osctl({"rollout", "resume", "--yes"});
  EXPECT_EQ(resume.exit_code, 3) << resume.out << resume.err;
  EXPECT_THAT(resume.err, HasSubstr("the new address is not reachable from every server"));
  EXPECT_THAT(resume.out, HasSubstr("done: 0 of 2 servers; left: dc01, fe01"));
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  EXPECT_EQ(farm_->Journal()["phase"], "planned");
}

// On a terminal, `endpoints set` shows the plan and asks, naming the old and new address.
TEST_F(RolloutTest, EndpointsSetAsksOnATerminalNamingTheMove) {
  StartFarm(Small(1));
  const std::string new_address = farm_->new_db().address();
  const std::vector<std::string> argv =
      farm_->OsctlArgv({"endpoints", "set", "--platform", new_address});
  const std::string question = absl::StrCat("Move 2 servers: Platform ", farm_->old_db().address(),
                                            " → ", new_address, "? [y/N]");
  ProcessResult declined = RunOnTerminal(argv, farm_->OsctlEnv(), "[y/N]", "no\n");
  EXPECT_EQ(declined.exit_code, 2) << declined.out;
  EXPECT_THAT(declined.out, HasSubstr(question));
  EXPECT_THAT(declined.out, HasSubstr("not changed (not confirmed at the prompt)"));
  EXPECT_TRUE(EveryFileIs(farm_->original()));
  ProcessResult r = RunOnTerminal(argv, farm_->OsctlEnv(), "[y/N]", "y\n");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr(question));
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(new_address)) << n;
  }
}

TEST_F(RolloutTest, SecondConcurrentRolloutIsRefused) {
  StartFarm(Small(2, 400, "400ms"));
  auto first = ApplyInBackground({"--platform", farm_->new_db().address()}, "first.log");
  ASSERT_TRUE(WaitForHost(3, 0, "pending"));
  ProcessResult second =
      farm_->Osctl({"rollout", "apply", "--yes", "--platform", farm_->old_db().address()});
  EXPECT_EQ(second.exit_code, 3) << second.out << second.err;
  EXPECT_THAT(second.out, HasSubstr("pending confirmation"));
  EXPECT_EQ(first->Wait(), 0) << ReadFile(tmp_.Sub("first.log"));
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(farm_->new_db().address())) << n;
  }
}

TEST_F(RolloutTest, AgentKilledMidRolloutStopsAndRollsBack) {
  StartFarm(Small(3));
  // Kill fe03's agent once the Deployment Controller's batch is done.
  auto osctl = ApplyInBackground({"--platform", farm_->new_db().address()}, "osctl.log");
  ASSERT_TRUE(WaitForHost(4, 0, "pending"));
  farm_->agent("fe03").process().Stop(SIGKILL);
  const std::string fe03_before = farm_->Hsconf("fe03");
  EXPECT_EQ(osctl->Wait(), 1) << ReadFile(tmp_.Sub("osctl.log"));
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["phase"], "rolled_back");
  EXPECT_THAT(j["note"].get<std::string>(), HasSubstr("fe03"));
  EXPECT_EQ(farm_->Hsconf("fe03"), fe03_before);  // untouched, not half-written
  for (const char* n : {"dc01", "fe01", "fe02"}) {
    EXPECT_EQ(farm_->Hsconf(n), farm_->original()) << n;
    EXPECT_TRUE(WaitFor([&] { return farm_->AllRunning(n); }, absl::Seconds(20))) << n;
  }
}

// Whether process `pid` is stopped (SIGSTOP: it froze itself at OSFLEET_TEST_PAUSE_AT).
bool Stopped(pid_t pid) {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T';
}

// The journal of the rollout whose Platform target is `platform` (null until there is one).
nlohmann::json JournalTo(const Farm& farm, const std::string& platform) {
  ProcessResult ls = RunProgram({"/bin/sh", "-c", "ls -1 " + farm.journal_dir() + "/*.json"});
  std::string paths = ls.out;
  for (size_t start = 0, end; start < paths.size(); start = end + 1) {
    end = paths.find('\n', start);
    if (end == std::string::npos) end = paths.size();
    nlohmann::json j =
        nlohmann::json::parse(ReadFile(paths.substr(start, end - start)), nullptr, false);
    if (j.is_object() && j["options"]["platform"] == platform) return j;
  }
  return nullptr;
}

// Issue 26, finding 2: two rollouts started together against one fleet, both past their
// preflight before either changed anything. The second is refused before its first change,
// naming the first; the first completes; nothing of the first's is reverted.
TEST_F(RolloutTest, TwoRolloutsAtOnceTheSecondIsRefusedNamingTheFirst) {
  StartFarm(Small(2, 400, "400ms"));
  const std::string first_to = farm_->new_db().address();
  const std::string second_to = absl::StrCat("tcp:", farm_->new_db().address());
  // The second one plans (nothing is pending yet), then freezes just before its first step.
  std::map<std::string, std::string> env = farm_->OsctlEnv();
  env["OSFLEET_TEST_PAUSE_AT"] = "rollout-before-hold";
  ChildProcess second(farm_->OsctlArgv({"rollout", "apply", "--yes", "--batch", "1", "--platform",
                                        second_to, "--lease", "3s"}),
                      tmp_.Sub("second.log"), env);
  ASSERT_TRUE(WaitFor([&] { return Stopped(second.pid()); }, absl::Seconds(60)))
      << ReadFile(tmp_.Sub("second.log"));
  auto first = ApplyInBackground({"--platform", first_to, "--lease", "3s"}, "first.log");
  ASSERT_TRUE(WaitFor(
      [&] {
        nlohmann::json j = JournalTo(*farm_, first_to);
        return !j.is_null() && j["hosts"][0]["state"] == "pending";
      },
      absl::Seconds(60)))
      << ReadFile(tmp_.Sub("first.log"));
  const std::string first_id = JournalTo(*farm_, first_to)["id"];
  ASSERT_EQ(kill(second.pid(), SIGCONT), 0);
  EXPECT_EQ(second.Wait(), 3) << ReadFile(tmp_.Sub("second.log"));
  const std::string second_log = ReadFile(tmp_.Sub("second.log"));
  EXPECT_THAT(second_log, HasSubstr(absl::StrCat("held by rollout ", first_id)));
  EXPECT_THAT(second_log, HasSubstr("tester"));
  EXPECT_THAT(second_log, HasSubstr("nothing was changed"));
  EXPECT_EQ(first->Wait(), 0) << ReadFile(tmp_.Sub("first.log"));
  EXPECT_EQ(JournalTo(*farm_, first_to)["phase"], "done");
  for (const std::string& n : Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(first_to)) << n;
    EXPECT_THAT(farm_->Hsconf(n), Not(HasSubstr(second_to))) << n;
  }
  // Ended: the fleet is free for the next rollout at once.
  ProcessResult third =
      farm_->Osctl({"rollout", "apply", "--yes", "--platform", second_to, "--lease", "3s"});
  EXPECT_EQ(third.exit_code, 0) << third.out << third.err;
}

// A rollout whose osctl dies while it holds the fleet blocks the next one only until the
// hold's lease ends.
TEST_F(RolloutTest, KilledRolloutsHoldEndsWithItsLease) {
  StartFarm(Small(1, 400, "400ms"));
  std::map<std::string, std::string> env = farm_->OsctlEnv();
  env["OSFLEET_TEST_PAUSE_AT"] = "rollout-after-hold";
  ChildProcess dead(farm_->OsctlArgv({"rollout", "apply", "--yes", "--platform",
                                      farm_->new_db().address(), "--lease", "2s"}),
                    tmp_.Sub("dead.log"), env);
  ASSERT_TRUE(WaitFor([&] { return Stopped(dead.pid()); }, absl::Seconds(60)))
      << ReadFile(tmp_.Sub("dead.log"));
  dead.Stop(SIGKILL);
  const std::string dead_id = farm_->Journal()["id"];
  ProcessResult refused =
      farm_->Osctl({"rollout", "apply", "--yes", "--platform", farm_->new_db().address()});
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_THAT(refused.out + refused.err, HasSubstr(absl::StrCat("held by rollout ", dead_id)));
  ProcessResult after;
  EXPECT_TRUE(WaitFor(
      [&] {
        after =
            farm_->Osctl({"rollout", "apply", "--yes", "--platform", farm_->new_db().address()});
        return after.exit_code != 3;
      },
      absl::Seconds(30)));
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
}

}  // namespace
}  // namespace osfleet::testing

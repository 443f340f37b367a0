// The end of a rollout: what still uses the old address (Endpoints.Connections on every
// real agent), `--wait-drained`, the record `rollout status` prints, and the DNS alias that
// connections cannot tell apart. The agents all run on this machine, so each of them sees
// the holder below: every server lists its pid.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A process that opens a TCP connection to 127.0.0.1:port, says so, and keeps it open
// until it is killed (the fake SQL Server keeps an idle client: it waits for a PRELOGIN).
std::unique_ptr<ChildProcess> HoldConnection(int port, const std::string& log) {
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/python3", "-c",
                               "import socket, sys, time\n"
                               "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
                               "print('connected', flush=True)\n"
                               "time.sleep(3600)\n",
                               std::to_string(port)},
      log);
}

class DrainTest : public ::testing::Test {
 protected:
  void StartFarm() {
    FarmOptions o;
    o.front_ends = 1;
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), o);
    ASSERT_TRUE(farm_->Start());
  }
  void StartHolder() {
    holder_log_ = tmp_.Sub("holder.log");
    holder_ = HoldConnection(farm_->old_db().port(), holder_log_);
    ASSERT_TRUE(
        WaitFor([&] { return ReadFile(holder_log_).find("connected") != std::string::npos; },
                absl::Seconds(20)));
  }
  std::vector<std::string> ApplyArgs(const std::string& to, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"rollout", "apply",     "--yes", "--platform", to, "--log",
                                     to,        "--session", to};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // The journal's verdict on the old address.
  nlohmann::json Verdict() {
    nlohmann::json j = farm_->Journal();
    if (j.is_null() || !j["drain"].is_object() || j["drain"]["addresses"].empty()) return nullptr;
    return j["drain"]["addresses"][0];
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
  std::unique_ptr<ChildProcess> holder_;
  std::string holder_log_;
};

TEST_F(DrainTest, ApplyListsTheProcessStillUsingTheOldAddressAndStatusRechecks) {
  StartFarm();
  StartHolder();
  const std::string pid = absl::StrCat("pid ", holder_->pid(), " python3");
  ProcessResult r = farm_->Osctl(ApplyArgs(farm_->new_db().address()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;  // draining never fails the rollout
  const std::string old = farm_->old_address();
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("connection(s) to ", old,
                                            " (127.0.0.1:", farm_->old_db().port(), "): ", pid)));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("old address ", old,
                                            ": still used by 2 process(es) "
                                            "on 2 server(s): dc01 ",
                                            pid, ", fe01 ", pid)));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("osctl endpoints connections --to ", old)));
  nlohmann::json v = Verdict();
  ASSERT_FALSE(v.is_null()) << farm_->Journal().dump(2);
  EXPECT_EQ(v["retire"], false);
  EXPECT_EQ(v["address"], old);
  for (const auto& s : v["servers"]) {
    EXPECT_EQ(s["count"], 1) << s;
    EXPECT_EQ(s["connections"][0]["pid"], holder_->pid()) << s;
  }

  // The record, as status prints it from the journal alone.
  ProcessResult offline = farm_->Osctl({"rollout", "status", "--offline"});
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  EXPECT_THAT(offline.out, HasSubstr(absl::StrCat("old address ", old, ": still used by")));

  holder_->Stop(SIGKILL);
  ProcessResult again = farm_->Osctl({"rollout", "status", "--check-drained"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out,
              HasSubstr(absl::StrCat("old address ", old,
                                     ": no process on any server uses it — it can be retired")));
  EXPECT_THAT(again.out, Not(HasSubstr("still used by")));
  EXPECT_EQ(Verdict()["retire"], true);
}

TEST_F(DrainTest, WaitDrainedReturnsOnceTheHolderIsGone) {
  StartFarm();
  StartHolder();
  const std::string log = tmp_.Sub("osctl.log");
  ChildProcess osctl(
      farm_->OsctlArgv(ApplyArgs(farm_->new_db().address(), {"--wait-drained", "2m"})), log,
      farm_->OsctlEnv());
  // Killed only once osctl said it waits for this very process.
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string out = ReadFile(log);
        return out.find(absl::StrCat("pid ", holder_->pid())) != std::string::npos &&
               out.find("waiting up to 2m") != std::string::npos;
      },
      absl::Seconds(90)))
      << ReadFile(log);
  holder_->Stop(SIGKILL);
  EXPECT_EQ(osctl.Wait(), 0) << ReadFile(log);
  EXPECT_THAT(ReadFile(log), HasSubstr("no process on any server uses it — it can be retired"));
  nlohmann::json j = farm_->Journal();
  EXPECT_EQ(j["drain"]["waited"], "2m");
  EXPECT_EQ(Verdict()["retire"], true);
}

// The common rename: the new name is a DNS alias of the old one. Connections to the one
// endpoint cannot say which name opened them: never "no process".
TEST_F(DrainTest, ADnsAliasCannotBeToldApartByConnections) {
  StartFarm();
  StartHolder();
  const std::string alias = absl::StrCat("localhost,", farm_->old_db().port());
  ProcessResult r = farm_->Osctl(ApplyArgs(alias));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string endpoint = absl::StrCat("127.0.0.1:", farm_->old_db().port());
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("old address ", farm_->old_address(),
                                            ": cannot be told apart by connections: it and ", alias,
                                            " both resolve to ")));
  EXPECT_THAT(r.out, HasSubstr(endpoint));
  EXPECT_THAT(r.out, HasSubstr("it can be retired once nothing outside the farm uses it"));
  EXPECT_THAT(r.out, Not(HasSubstr("no process on any server uses it")));
  nlohmann::json v = Verdict();
  ASSERT_FALSE(v.is_null());
  EXPECT_EQ(v["shared_with"], alias);
  EXPECT_THAT(v["shared"].dump(), HasSubstr(endpoint));
  for (const auto& s : v["servers"]) {
    EXPECT_EQ(s["count"], 0) << s;
    EXPECT_GE(s["shared"].get<int>(), 1) << s;  // the holder, under either name
  }
}

}  // namespace
}  // namespace osfleet::testing

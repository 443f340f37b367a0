// The identity verdict for Oracle end to end: a real agent whose server.hsconf names an
// Oracle service probes real osfleet-fake-oracle listeners. A listener that refuses the
// service (ERR=12514) is another database server: `osctl probe` says DIFFERENT and
// `endpoints set` refuses (exit 3). One that accepts it only shows the service is there
// (unknown); the same listener under a DNS alias is the same endpoint (same).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/harness.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// osfleet-fake-oracle on 127.0.0.1 and 127.0.0.2 (one port) knowing `services`.
class FakeListener {
 public:
  FakeListener(const std::string& dir, const std::vector<std::string>& services) {
    mkdir(dir.c_str(), 0755);
    port_file_ = dir + "/port";
    std::vector<std::string> argv = {BinDir() + "/osfleet-fake-oracle",
                                     "--listen-port-file",
                                     port_file_,
                                     "--listen",
                                     "127.0.0.1",
                                     "--listen",
                                     "127.0.0.2"};
    for (const std::string& s : services) argv.insert(argv.end(), {"--service", s});
    process_ = std::make_unique<ChildProcess>(argv, dir + "/fake.log");
  }
  bool WaitReady() {
    return WaitFor([this] { return absl::SimpleAtoi(ReadFile(port_file_), &port_) && port_ > 0; },
                   absl::Seconds(20));
  }
  int port() const { return port_; }

 private:
  std::string port_file_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

class IdentityOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    farm_db_ = std::make_unique<FakeListener>(tmp_.Sub("farm-db"),
                                              std::vector<std::string>{"OSPROD", "OSSESS"});
    other_db_ =
        std::make_unique<FakeListener>(tmp_.Sub("other-db"), std::vector<std::string>{"OTHERSVC"});
    ASSERT_TRUE(farm_db_->WaitReady());
    ASSERT_TRUE(other_db_->WaitReady());
    const std::string dir = tmp_.Sub("dc01");
    mkdir(dir.c_str(), 0755);
    // The fixture's hosts and port, pointed at the farm's listener on 127.0.0.1.
    const std::string port = std::to_string(farm_db_->port());
    WriteFile(dir + "/oracle.hsconf",
              absl::StrReplaceAll(ReadFile(FixturePath("oracle.hsconf")),
                                  {{">ora-prod.corp.example.com<", ">127.0.0.1<"},
                                   {">ora-sess.corp.example.com<", ">127.0.0.1<"},
                                   {">1521<", ">" + port + "<"}}));
    AgentOptions options;
    options.fixture = "";  // ours, written above
    options.hsconf = dir + "/oracle.hsconf";
    agent_ = std::make_unique<Agent>(dir, options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
  }

  ProcessResult Osctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure"});
    return RunOsctl(args);
  }

  // The Platform result of `osctl -o json probe --platform ADDRESS`.
  nlohmann::json Probe(const std::string& address) {
    last_ = Osctl({"--output", "json", "probe", "--platform", address});
    const nlohmann::json doc = nlohmann::json::parse(last_.out, nullptr, false);
    if (doc.is_discarded() || doc["hosts"].empty()) return nlohmann::json::object();
    return doc["hosts"][0]["result"]["results"][0];
  }

  std::string At(const FakeListener& db, const std::string& host, const std::string& service) {
    return absl::StrCat(host, ":", db.port(), "/", service);
  }

  TempDir tmp_;
  std::unique_ptr<FakeListener> farm_db_, other_db_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_;
  ProcessResult last_;
};

TEST_F(IdentityOracleTest, AListenerThatRefusesTheServiceIsAnotherServer) {
  const std::string wrong = At(*other_db_, "127.0.0.1", "OSPROD");
  const nlohmann::json r = Probe(wrong);
  ASSERT_TRUE(r.contains("identity")) << last_.out << last_.err;
  EXPECT_EQ(r["identity"]["verdict"], "different") << r;
  EXPECT_EQ(r["identity"]["evidence"][0]["kind"], "tns") << r;
  EXPECT_THAT(r["identity"]["evidence"][0]["detail"].get<std::string>(), HasSubstr("12514"));

  ProcessResult set = Osctl({"endpoints", "set", "--platform", wrong, "--yes"});
  EXPECT_EQ(set.exit_code, 3) << set.out << set.err;
  EXPECT_THAT(set.err, HasSubstr("--allow-different-server"));
  EXPECT_THAT(ReadFile(agent_->hsconf()), Not(HasSubstr(absl::StrCat(other_db_->port()))));
}

TEST_F(IdentityOracleTest, AListenerThatAcceptsTheServiceIsOnlyPresent) {
  const nlohmann::json r = Probe(At(*farm_db_, "127.0.0.2", "OSPROD"));
  ASSERT_TRUE(r.contains("identity")) << last_.out << last_.err;
  EXPECT_EQ(r["identity"]["verdict"], "unknown") << r;
  EXPECT_EQ(last_.exit_code, 0) << last_.err;
}

TEST_F(IdentityOracleTest, ADnsAliasOfTheListenerIsTheSameEndpoint) {
  const nlohmann::json r = Probe(At(*farm_db_, "localhost", "OSPROD"));
  ASSERT_TRUE(r.contains("identity")) << last_.out << last_.err;
  EXPECT_EQ(r["identity"]["verdict"], "same") << r;
  EXPECT_EQ(r["identity"]["evidence"][0]["kind"], "dns") << r;
}

}  // namespace
}  // namespace osfleet::testing

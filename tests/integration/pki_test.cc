// osctl pki end to end: a CA and certificates made by `osctl pki`, a real osagent serving
// mTLS with them, and osctl calling it with an operator certificate. Certificates from
// another CA, or expired ones, are refused.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Pki({"init", "--dir", Dir()});
    Pki({"issue", "agent", "dc01", "--san", "127.0.0.1", "--dir", Dir()});
    Pki({"issue", "operator", "alice", "--role", "operator", "--dir", Dir()});
    AgentOptions options;  // dc01, the Deployment Controller
    options.insecure = false;
    options.extra_args = {"--tls-cert",     File("dc01.pem"), "--tls-key",
                          File("dc01.key"), "--tls-ca",       File("ca.pem")};
    agent_ = std::make_unique<Agent>(tmp_.Sub("dc01"), options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
  }

  // Runs `osctl pki ARGS...`; it must succeed.
  void Pki(std::vector<std::string> args) {
    args.insert(args.begin(), "pki");
    ProcessResult r = RunOsctl(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::string Dir() const { return tmp_.Sub("pki"); }
  std::string File(const std::string& name) const { return Dir() + "/" + name; }

  ProcessResult Status(const std::string& cert, const std::string& key) {
    const std::string inv = WriteInventory(
        tmp_.Sub("inventory.yaml"), {{"dc01", agent_->address(), "deployment_controller", {}}});
    return RunOsctl({"--inventory", inv, "--tls-ca", File("ca.pem"), "--tls-cert", cert,
                     "--tls-key", key, "--timeout", "3s", "fleet", "status"});
  }

  TempDir tmp_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(PkiTest, AgentAndOperatorCertificatesFromPkiWorkOverMutualTls) {
  ProcessResult r = Status(File("alice.pem"), File("alice.key"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 server: 1 ok, 0 failed"));
}

TEST_F(PkiTest, AViewerCertificateMayRead) {
  Pki({"issue", "operator", "bob", "--role", "viewer", "--dir", Dir()});
  ProcessResult r = Status(File("bob.pem"), File("bob.key"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(PkiTest, AnOperatorCertificateFromAnotherCaIsRefused) {
  const std::string other = tmp_.Sub("other");
  Pki({"init", "--dir", other, "--name", "rogue CA"});
  Pki({"issue", "operator", "mallory", "--role", "operator", "--dir", other});
  ProcessResult r = Status(other + "/mallory.pem", other + "/mallory.key");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("did not answer (1): dc01"));
}

TEST_F(PkiTest, AnExpiredOperatorCertificateIsRefused) {
  Pki({"issue", "operator", "old", "--role", "operator", "--days", "1", "--backdate-days", "2",
       "--dir", Dir()});
  ProcessResult show = RunOsctl({"pki", "show", File("old.pem")});
  EXPECT_THAT(show.out, HasSubstr("EXPIRED"));
  // osctl refuses it itself, before dialing, and says what to do.
  ProcessResult r = Status(File("old.pem"), File("old.key"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--tls-cert " + File("old.pem") + " expired on "));
  EXPECT_THAT(r.err, HasSubstr("osctl pki issue operator"));
}

// CA rotation (docs/pki.md): an agent and osctl trusting a bundle of the old and the new
// CA accept certificates from both.
TEST_F(PkiTest, ABundleOfTwoCasTrustsCertificatesFromEither) {
  const std::string next = tmp_.Sub("next");
  Pki({"init", "--dir", next, "--name", "fleet CA 2031"});
  Pki({"issue", "agent", "fe01", "--dir", next});
  Pki({"issue", "operator", "carol", "--role", "operator", "--dir", next});
  const std::string bundle = tmp_.Sub("ca-bundle.pem");
  WriteFile(bundle, ReadFile(File("ca.pem")) + ReadFile(next + "/ca.pem"));
  AgentOptions options;
  options.name = "fe01";
  options.role = "front_end";
  options.insecure = false;
  options.extra_args = {"--tls-cert",       next + "/fe01.pem", "--tls-key",
                        next + "/fe01.key", "--tls-ca",         bundle};
  Agent fe01(tmp_.Sub("fe01"), options);
  ASSERT_TRUE(fe01.WaitReady()) << ReadFile(fe01.log());
  const std::string inv = WriteInventory(tmp_.Sub("both.yaml"),
                                         {{"dc01", agent_->address(), "deployment_controller", {}},
                                          {"fe01", fe01.address(), "front_end", {}}});
  for (const std::string& who : {File("alice"), next + "/carol"}) {
    ProcessResult r =
        RunOsctl({"--inventory", inv, "--tls-ca", bundle, "--tls-cert", who + ".pem", "--tls-key",
                  who + ".key", "--timeout", "3s", "--limit", "fe01", "fleet", "status"});
    EXPECT_EQ(r.exit_code, 0) << who << r.out << r.err;
  }
  // The old agent still trusts only the old CA: carol is refused there, alice is not.
  ProcessResult old =
      RunOsctl({"--inventory", inv, "--tls-ca", bundle, "--tls-cert", next + "/carol.pem",
                "--tls-key", next + "/carol.key", "--timeout", "3s", "fleet", "status"});
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_THAT(old.out, HasSubstr("did not answer (1): dc01"));
}

TEST(PkiCommandTest, NeedsNoInventoryAndWritesPrivateFiles) {
  TempDir tmp;
  const std::string dir = tmp.Sub("fleet-ca");
  ProcessResult r = RunProgram({BinDir() + "/osctl", "pki", "init", "--dir", dir},
                               {{"OSFLEET_INVENTORY", tmp.Sub("missing.yaml")}, {"NO_COLOR", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(dir + "/ca.key  0600"));
  EXPECT_THAT(r.out, HasSubstr("sha256"));
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((dir + "/ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ProcessResult json = RunOsctl(
      {"pki", "issue", "agent", "fe01", "--san", "10.0.0.7", "--dir", dir, "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"organizationalUnit\": \"osfleet:agent\""));
  EXPECT_THAT(json.out, HasSubstr("\"IP:10.0.0.7\""));
}

TEST(PkiCommandTest, RefusalsHaveTheDocumentedExitCodesAndNameTheFile) {
  TempDir tmp;
  const std::string dir = tmp.Sub("ca");
  ASSERT_EQ(RunOsctl({"pki", "init", "--dir", dir}).exit_code, 0);
  ProcessResult again = RunOsctl({"pki", "init", "--dir", dir});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr(dir + "/ca.key already exists"));
  ProcessResult role =
      RunOsctl({"pki", "issue", "operator", "eve", "--role", "root", "--dir", dir});
  EXPECT_EQ(role.exit_code, 2);
  EXPECT_THAT(role.err, HasSubstr("--role: 'root' is not one of viewer, operator"));
  ProcessResult name = RunOsctl({"pki", "issue", "agent", "a/b", "--dir", dir});
  EXPECT_EQ(name.exit_code, 2);
  ProcessResult days = RunOsctl({"pki", "issue", "agent", "fe01", "--days", "0", "--dir", dir});
  EXPECT_EQ(days.exit_code, 2);
  ProcessResult no_ca = RunOsctl({"pki", "issue", "agent", "fe01", "--dir", tmp.path()});
  EXPECT_EQ(no_ca.exit_code, 1);
  EXPECT_THAT(no_ca.err, HasSubstr(tmp.Sub("ca.pem") + " not found"));
}

}  // namespace
}  // namespace osfleet::testing

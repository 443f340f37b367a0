// mTLS between osctl and real agents, with certificates made by the openssl CLI: the
// agent requires a client certificate from the fleet CA, and osctl checks the agent's
// certificate against its inventory name.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

using TestPki = OpensslPki;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(tmp_.Sub("pki"), "fleet-ca");
    pki_->Issue("dc01", "osfleet:agent");
    pki_->Issue("operator");
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.insecure = false;
    options.extra_args = {"--tls-cert", pki_->Path("dc01.pem"), "--tls-key", pki_->Path("dc01.key"),
                          "--tls-ca",   pki_->Path("ca.pem")};
    agent_ = std::make_unique<Agent>(tmp_.Sub("dc01"), options);
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
  }

  ProcessResult Status(const std::string& name, const std::string& cert, const std::string& key) {
    const std::string inv = WriteInventory(tmp_.Sub(name + ".yaml"),
                                           {{name, agent_->address(), "deployment_controller"}});
    return RunOsctl({"--inventory", inv, "--tls-ca", pki_->Path("ca.pem"), "--tls-cert", cert,
                     "--tls-key", key, "--timeout", "3s", "fleet", "status"});
  }

  TempDir tmp_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(TlsTest, OperatorWithFleetCertificateIsServed) {
  ProcessResult r = Status("dc01", pki_->Path("operator.pem"), pki_->Path("operator.key"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 server: 1 ok, 0 failed"));
}

TEST_F(TlsTest, CertificateFromAnotherCaIsRefused) {
  TestPki other(tmp_.Sub("other"), "rogue-ca");
  other.Issue("mallory");
  ProcessResult r = Status("dc01", other.Path("mallory.pem"), other.Path("mallory.key"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("did not answer (1): dc01"));
}

TEST_F(TlsTest, AgentCertificateMustMatchTheInventoryName) {
  // The agent's certificate names dc01; an inventory calling it fe07 must not trust it.
  ProcessResult r = Status("fe07", pki_->Path("operator.pem"), pki_->Path("operator.key"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("did not answer (1): fe07"));
}

TEST_F(TlsTest, PlaintextClientGetsNothing) {
  const std::string inv =
      WriteInventory(tmp_.Sub("plain.yaml"), {{"dc01", agent_->address(), "dc"}});
  ProcessResult r =
      RunOsctl({"--inventory", inv, "--insecure", "--timeout", "3s", "fleet", "status"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(TlsTest, AnAgentKeyOthersMayReadIsRefusedWithTheFix) {
  ASSERT_EQ(chmod(pki_->Path("dc01.key").c_str(), 0644), 0);
  ProcessResult refused =
      RunProgram({BinDir() + "/osagent", "--listen", "127.0.0.1:0", "--hsconf", agent_->hsconf(),
                  "--state-dir", tmp_.Sub("other-state"), "--role", "front_end", "--tls-cert",
                  pki_->Path("dc01.pem"), "--tls-key", pki_->Path("dc01.key"), "--tls-ca",
                  pki_->Path("ca.pem")});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("--tls-key " + pki_->Path("dc01.key") +
                                     " may be read by other accounts; run: chmod 600 " +
                                     pki_->Path("dc01.key")));
}

TEST_F(TlsTest, BadTlsInputIsAUsageError) {
  const std::string inv = WriteInventory(tmp_.Sub("x.yaml"), {{"dc01", agent_->address(), "dc"}});
  ProcessResult missing = RunOsctl({"--inventory", inv, "--tls-ca", tmp_.Sub("nope.pem"),
                                    "--tls-cert", pki_->Path("operator.pem"), "--tls-key",
                                    pki_->Path("operator.key"), "fleet", "status"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--tls-ca"));
  ProcessResult swapped = RunOsctl({"--inventory", inv, "--tls-ca", pki_->Path("ca.pem"),
                                    "--tls-cert", pki_->Path("operator.key"), "--tls-key",
                                    pki_->Path("operator.pem"), "fleet", "status"});
  EXPECT_EQ(swapped.exit_code, 2);
  EXPECT_THAT(swapped.err, HasSubstr("no PEM CERTIFICATE block"));
  const std::string remote =
      WriteInventory(tmp_.Sub("remote.yaml"), {{"dc01", "10.20.0.5:7443", "dc"}});
  ProcessResult insecure = RunOsctl({"--inventory", remote, "--insecure", "fleet", "status"});
  EXPECT_EQ(insecure.exit_code, 2);
  EXPECT_THAT(insecure.err, HasSubstr("only to loopback agents"));
}

}  // namespace
}  // namespace osfleet::testing

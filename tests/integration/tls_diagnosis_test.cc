// TLS mistakes with real agents and osctl (issue 24): an agent whose certificate and key do
// not match, or whose certificate has expired, refuses to start and says why; osctl names
// the certificate at fault and the fix for each mistake of either side, and no line of
// gRPC's own reaches the terminal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/integration/harness.h"
#include "tests/integration/openssl_pki.h"

namespace osfleet::testing {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// No gRPC log line (`E1206 12:00:00.000 ... ssl_transport_security.cc:...`) on stderr.
void ExpectNoGrpcLines(const ProcessResult& r) {
  EXPECT_THAT(r.err, Not(HasSubstr("ssl_transport_security")));
  EXPECT_THAT(r.err, Not(HasSubstr("Socket closed")));
  EXPECT_THAT(r.err, Not(ContainsRegex("(^|\n)[EIWD][0-9]{4} ")));
}

class TlsDiagnosisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<OpensslPki>(tmp_.Sub("pki"), "fleet-ca");
    pki_->Issue("dc01", "osfleet:agent");
    pki_->Issue("operator");
  }

  // An agent named dc01 serving with cert/key and requiring client certificates from ca.
  std::unique_ptr<Agent> StartAgent(const std::string& cert, const std::string& key,
                                    const std::string& ca) {
    AgentOptions options;
    options.insecure = false;
    options.extra_args = {"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca};
    auto agent = std::make_unique<Agent>(tmp_.Sub("agent-" + std::to_string(++agents_)), options);
    EXPECT_TRUE(agent->WaitReady()) << ReadFile(agent->log());
    return agent;
  }
  std::unique_ptr<Agent> StartFleetAgent() {
    return StartAgent(pki_->Path("dc01.pem"), pki_->Path("dc01.key"), pki_->Path("ca.pem"));
  }

  // osctl fleet status against `address` named `name`, with the fleet's TLS files unless
  // `tls` says otherwise (empty: --insecure).
  ProcessResult Status(const std::string& name, const std::string& address,
                       std::vector<std::string> tls) {
    const std::string inv = WriteInventory(tmp_.Sub(name + ".yaml"), {{name, address, "dc"}});
    std::vector<std::string> args = {"--inventory", inv, "--timeout", "5s"};
    if (tls.empty()) tls = {"--insecure"};
    args.insert(args.end(), tls.begin(), tls.end());
    args.insert(args.end(), {"fleet", "status"});
    return RunOsctl(args);
  }
  std::vector<std::string> FleetTls(const std::string& who = "operator") const {
    return {"--tls-ca",  pki_->Path("ca.pem"),    "--tls-cert", pki_->Path(who + ".pem"),
            "--tls-key", pki_->Path(who + ".key")};
  }

  // osagent run to its end with these TLS files (it must not start).
  ProcessResult RunAgent(const std::string& cert, const std::string& key) {
    return RunProgram({BinDir() + "/osagent", "--name", "dc01", "--listen", "127.0.0.1:0",
                       "--hsconf", OSFLEET_FIXTURES_DIR "/hsconf/sqlserver-dc.hsconf",
                       "--state-dir", tmp_.Sub("refused-state"), "--role", "front_end",
                       "--tls-cert", cert, "--tls-key", key, "--tls-ca", pki_->Path("ca.pem")});
  }

  TempDir tmp_;
  std::unique_ptr<OpensslPki> pki_;
  int agents_ = 0;
};

TEST_F(TlsDiagnosisTest, AnAgentWhoseKeyIsNotItsCertificatesRefusesToStart) {
  ProcessResult r = RunAgent(pki_->Path("dc01.pem"), pki_->Path("operator.key"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("--tls-key " + pki_->Path("operator.key") +
                               " does not belong to the certificate in --tls-cert " +
                               pki_->Path("dc01.pem")));
  EXPECT_THAT(r.err, HasSubstr("osctl pki issue agent dc01"));
  EXPECT_THAT(r.err, Not(HasSubstr("serving on port")));
}

TEST_F(TlsDiagnosisTest, AnAgentWhoseTlsPortCannotBeCreatedRefusesToStart) {
  // A 1024-bit RSA key matches its certificate, but OpenSSL's security level refuses it:
  // gRPC cannot make the secure port.
  const std::string key = tmp_.Sub("weak.key"), cert = tmp_.Sub("weak.pem");
  ProcessResult made =
      RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout",
                  key, "-out", cert, "-days", "2", "-subj", "/CN=dc01"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  ProcessResult r = RunAgent(cert, key);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err,
              HasSubstr("gRPC cannot serve TLS with --tls-cert " + cert + " and --tls-key " + key));
  EXPECT_THAT(r.err, Not(HasSubstr("serving on port")));
  // gRPC's own lines are records of the agent's log, not bare E-lines.
  EXPECT_THAT(r.err, HasSubstr(" osagent: grpc: "));
  EXPECT_THAT(r.err, Not(ContainsRegex("(^|\n)E[0-9]{4} ")));
}

TEST_F(TlsDiagnosisTest, AnAgentWithAnExpiredCertificateRefusesToStart) {
  pki_->IssueValid("old", "osfleet:agent", absl::Now() - absl::Hours(48),
                   absl::Now() - absl::Hours(24));
  ProcessResult r = RunAgent(pki_->Path("old.pem"), pki_->Path("old.key"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, AllOf(HasSubstr("--tls-cert " + pki_->Path("old.pem") + " expired on "),
                           HasSubstr("osctl pki issue agent dc01")));
}

TEST_F(TlsDiagnosisTest, AnAgentCertificateNotValidYetIsOnlyWarnedAbout) {
  pki_->IssueValid("early", "osfleet:agent", absl::Now() + absl::Hours(1),
                   absl::Now() + absl::Hours(48));
  std::unique_ptr<Agent> agent =
      StartAgent(pki_->Path("early.pem"), pki_->Path("early.key"), pki_->Path("ca.pem"));
  EXPECT_THAT(ReadFile(agent->log()), HasSubstr("is not valid before"));
}

TEST_F(TlsDiagnosisTest, OsctlWithAKeyThatIsNotItsCertificatesSaysSoBeforeDialing) {
  ProcessResult r = Status("dc01", "127.0.0.1:1",
                           {"--tls-ca", pki_->Path("ca.pem"), "--tls-cert",
                            pki_->Path("operator.pem"), "--tls-key", pki_->Path("dc01.key")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--tls-key " + pki_->Path("dc01.key") +
                               " does not belong to the certificate in --tls-cert " +
                               pki_->Path("operator.pem")));
}

TEST_F(TlsDiagnosisTest, OsctlWithAnExpiredCertificateSaysSoBeforeDialing) {
  pki_->IssueValid("gone", "osfleet:operator", absl::Now() - absl::Hours(48),
                   absl::Now() - absl::Hours(24));
  ProcessResult r = Status("dc01", "127.0.0.1:1", FleetTls("gone"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, AllOf(HasSubstr("--tls-cert " + pki_->Path("gone.pem") + " expired on "),
                           HasSubstr("osctl pki issue operator")));
}

TEST_F(TlsDiagnosisTest, PlaintextOsctlAgainstATlsAgent) {
  std::unique_ptr<Agent> agent = StartFleetAgent();
  ProcessResult r = Status("dc01", agent->address(), {});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("the agent serves TLS and osctl was run with --insecure"));
  ExpectNoGrpcLines(r);
}

TEST_F(TlsDiagnosisTest, TlsOsctlAgainstAPlaintextAgent) {
  Agent agent(tmp_.Sub("plain"), AgentOptions{});
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  ProcessResult r = Status("dc01", agent.address(), FleetTls());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("the agent answers in plaintext (it runs with --insecure)"));
  ExpectNoGrpcLines(r);
}

TEST_F(TlsDiagnosisTest, AnAgentCertificateFromAnotherCa) {
  OpensslPki rogue(tmp_.Sub("rogue"), "rogue-ca");
  rogue.Issue("dc01", "osfleet:agent");
  std::unique_ptr<Agent> agent =
      StartAgent(rogue.Path("dc01.pem"), rogue.Path("dc01.key"), pki_->Path("ca.pem"));
  ProcessResult r = Status("dc01", agent->address(), FleetTls());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, AllOf(HasSubstr("issued by CN=rogue-ca) is not signed by the CA in --tls-ca " +
                                     pki_->Path("ca.pem")),
                           HasSubstr("check --tls-ca")));
  ExpectNoGrpcLines(r);
}

TEST_F(TlsDiagnosisTest, AnOperatorCertificateFromAnotherCa) {
  std::unique_ptr<Agent> agent = StartFleetAgent();
  OpensslPki rogue(tmp_.Sub("rogue"), "rogue-ca");
  rogue.Issue("mallory");
  ProcessResult r = Status("dc01", agent->address(),
                           {"--tls-ca", pki_->Path("ca.pem"), "--tls-cert",
                            rogue.Path("mallory.pem"), "--tls-key", rogue.Path("mallory.key")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, AllOf(HasSubstr("the agent does not trust your certificate --tls-cert " +
                                     rogue.Path("mallory.pem")),
                           HasSubstr("osctl pki issue operator")));
  ExpectNoGrpcLines(r);
}

TEST_F(TlsDiagnosisTest, AnAgentCertificateWithoutTheInventoryName) {
  std::unique_ptr<Agent> agent = StartFleetAgent();
  ProcessResult r = Status("fe07", agent->address(), FleetTls());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, AllOf(HasSubstr("the agent's certificate names DNS:dc01, not 'fe07'"),
                           HasSubstr("osctl pki issue agent fe07")));
  ExpectNoGrpcLines(r);
}

TEST_F(TlsDiagnosisTest, AnAgentCertificateThatExpiredWhileItRuns) {
  const absl::Time end = absl::Now() + absl::Seconds(4);
  pki_->IssueValid("brief", "osfleet:agent", absl::Now() - absl::Hours(1), end);
  std::unique_ptr<Agent> agent =
      StartAgent(pki_->Path("brief.pem"), pki_->Path("brief.key"), pki_->Path("ca.pem"));
  // The certificate has a whole-second end; wait until the clock is past it.
  absl::SleepFor(end - absl::Now() + absl::Seconds(1));
  ProcessResult r = Status("brief", agent->address(), FleetTls());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out,
              AllOf(HasSubstr("the agent's certificate (OU=osfleet:agent,CN=brief) expired on"),
                    HasSubstr("osctl pki issue agent brief")));
  ExpectNoGrpcLines(r);
}

TEST_F(TlsDiagnosisTest, VerboseShowsGrpcsOwnLinesAsDebugRecords) {
  Agent agent(tmp_.Sub("plain"), AgentOptions{});
  ASSERT_TRUE(agent.WaitReady()) << ReadFile(agent.log());
  std::vector<std::string> tls = FleetTls();
  tls.push_back("--verbose");
  ProcessResult r = Status("dc01", agent.address(), tls);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("debug osctl: grpc: Handshake failed"));
  EXPECT_THAT(r.err, HasSubstr("gRPC said: "));
  EXPECT_THAT(r.err, Not(ContainsRegex("(^|\n)E[0-9]{4} ")));
}

}  // namespace
}  // namespace osfleet::testing

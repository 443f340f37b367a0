// Revoking an operator (docs/pki.md): `osctl pki revoke` signs a CRL, the CRL is installed
// at the agent's --tls-crl path, and the running agent refuses the revoked certificate from
// its next call on (UNAUTHENTICATED, audited) while other operators keep working; a CRL
// signed by another CA, or older than the one in force, is refused and the last good one
// stays in force. No restarts; an agent restarted with an older CRL refuses to start.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

class RevocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Pki({"init", "--dir", Dir()});
    Pki({"issue", "agent", "dc01", "--san", "127.0.0.1", "--dir", Dir()});
    Pki({"issue", "operator", "alice", "--role", "operator", "--dir", Dir()});
    Pki({"issue", "operator", "bob", "--role", "operator", "--dir", Dir()});
    Pki({"crl", "--renew", "--dir", Dir()});  // an empty CRL, installed before anyone leaves
    Install(File("crl.pem"));
  }

  void StartAgent() {
    agent_ = std::make_unique<Agent>(tmp_.Sub("dc01"), TlsOptions());
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller", {}}});
  }

  AgentOptions TlsOptions() const {
    AgentOptions options;
    options.insecure = false;
    options.extra_args = {"--tls-cert", File("dc01.pem"), "--tls-key", File("dc01.key"),
                          "--tls-ca",   File("ca.pem"),   "--tls-crl", AgentCrl()};
    return options;
  }

  void Pki(std::vector<std::string> args) {
    args.insert(args.begin(), "pki");
    ProcessResult r = RunOsctl(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::string Dir() const { return tmp_.Sub("pki"); }
  std::string File(const std::string& name) const { return Dir() + "/" + name; }
  std::string AgentCrl() const { return tmp_.Sub("agent-crl.pem"); }
  // As an administrator would: a temp file next to it, then a rename.
  void Install(const std::string& crl) {
    WriteFile(AgentCrl() + ".new", ReadFile(crl));
    ASSERT_EQ(std::rename((AgentCrl() + ".new").c_str(), AgentCrl().c_str()), 0);
  }
  bool LogSays(const std::string& text) const {
    return ReadFile(agent_->log()).find(text) != std::string::npos;
  }

  ProcessResult Status(const std::string& who) {
    return RunOsctl({"--inventory", inventory_, "--tls-ca", File("ca.pem"), "--tls-cert",
                     File(who + ".pem"), "--tls-key", File(who + ".key"), "--timeout", "5s",
                     "fleet", "status"});
  }
  // A mutating call over a fresh mTLS channel; the gate refuses before reading the request.
  grpc::Status Set(const std::string& who) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(File("ca.pem"));
    ssl.pem_cert_chain = ReadFile(File(who + ".pem"));
    ssl.pem_private_key = ReadFile(File(who + ".key"));
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("dc01");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = v1::Endpoints::NewStub(
        grpc::CreateCustomChannel(agent_->address(), grpc::SslCredentials(ssl), args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::SetEndpointsResponse resp;
    return stub->Set(&ctx, v1::SetEndpointsRequest(), &resp);
  }
  std::vector<nlohmann::json> AuditLines() const {
    std::vector<nlohmann::json> lines;
    std::istringstream in(ReadFile(agent_->dir() + "/state/audit.log"));
    for (std::string line; std::getline(in, line);) {
      lines.push_back(nlohmann::json::parse(line));  // throws (fails the test) on bad JSON
    }
    return lines;
  }

  TempDir tmp_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_;
};

TEST_F(RevocationTest, ARevokedOperatorIsRefusedWithoutRestartingTheAgent) {
  StartAgent();
  const pid_t pid = agent_->process().pid();
  ProcessResult before = Status("alice");
  ASSERT_EQ(before.exit_code, 0) << before.out << before.err;

  ProcessResult revoke = RunOsctl({"pki", "revoke", "alice", "--dir", Dir()});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  EXPECT_THAT(revoke.out, HasSubstr("revoked: serial "));
  EXPECT_THAT(revoke.out, HasSubstr("#2"));
  ProcessResult shown = RunOsctl({"pki", "crl", "--dir", Dir(), "--output", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const nlohmann::json crl = nlohmann::json::parse(shown.out);
  ASSERT_EQ(crl["revoked"].size(), 1u);
  EXPECT_EQ(crl["revoked"][0]["name"], "alice");
  const std::string serial = crl["revoked"][0]["serial"];

  Install(File("crl.pem"));
  ASSERT_TRUE(WaitFor([&] { return LogSays("loaded CRL #2"); }, absl::Seconds(20)))
      << ReadFile(agent_->log());

  ProcessResult refused = Status("alice");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out + refused.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(refused.out + refused.err,
              HasSubstr("client certificate CN=alice serial " + serial + " was revoked"));
  ProcessResult other = Status("bob");
  EXPECT_EQ(other.exit_code, 0) << other.out << other.err;

  grpc::Status set = Set("alice");
  EXPECT_EQ(set.error_code(), grpc::StatusCode::UNAUTHENTICATED) << set.error_message();
  std::vector<nlohmann::json> audit = AuditLines();
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit.back()["identity"], "alice");
  EXPECT_EQ(audit.back()["rpc"], "Endpoints.Set");
  EXPECT_THAT(audit.back()["result"].get<std::string>(), HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(audit.back()["result"].get<std::string>(), HasSubstr("revoked"));

  EXPECT_EQ(agent_->process().pid(), pid);
  EXPECT_TRUE(agent_->process().running());
}

TEST_F(RevocationTest, ACrlSignedByAnotherCaIsRefusedAndTheLastGoodOneStays) {
  Pki({"revoke", "alice", "--dir", Dir()});
  Install(File("crl.pem"));
  StartAgent();
  ASSERT_NE(Status("alice").exit_code, 0);
  // A rogue CA with the same name "revokes" bob and empties the list.
  const std::string rogue = tmp_.Sub("rogue");
  Pki({"init", "--dir", rogue});
  Pki({"crl", "--renew", "--dir", rogue});
  Install(rogue + "/crl.pem");
  ASSERT_TRUE(WaitFor([&] { return LogSays("refused, still enforcing the last good CRL #2"); },
                      absl::Seconds(20)))
      << ReadFile(agent_->log());
  EXPECT_TRUE(LogSays(AgentCrl() + ": CRL 1 from 'CN=osfleet fleet CA' is not signed by that CA"));
  EXPECT_NE(Status("alice").exit_code, 0);
  EXPECT_EQ(Status("bob").exit_code, 0);
  // Garbage is refused the same way.
  WriteFile(AgentCrl(), "not a CRL\n");
  ASSERT_TRUE(
      WaitFor([&] { return LogSays(AgentCrl() + ": no PEM X509 CRL block"); }, absl::Seconds(20)))
      << ReadFile(agent_->log());
  EXPECT_NE(Status("alice").exit_code, 0);
}

// Issue 26, finding 9: replaying an older CRL un-revoked a revoked certificate within 2.5 s.
TEST_F(RevocationTest, AnOlderCrlIsRefusedAndTheRevokedCertificateStaysRefused) {
  const std::string first = tmp_.Sub("crl-1.pem");
  WriteFile(first, ReadFile(File("crl.pem")));  // CRL #1: nobody revoked
  StartAgent();
  Pki({"revoke", "alice", "--dir", Dir()});
  Install(File("crl.pem"));
  ASSERT_TRUE(WaitFor([&] { return LogSays("loaded CRL #2"); }, absl::Seconds(20)))
      << ReadFile(agent_->log());
  ASSERT_NE(Status("alice").exit_code, 0);

  Install(first);  // the replay: validly signed, but older
  ASSERT_TRUE(WaitFor([&] { return LogSays("refused, still enforcing the last good CRL #2"); },
                      absl::Seconds(20)))
      << ReadFile(agent_->log());
  EXPECT_TRUE(LogSays(AgentCrl() + ": CRL #1 from CN=osfleet fleet CA (thisUpdate "));
  EXPECT_TRUE(LogSays(") is older than CRL #2 from CN=osfleet fleet CA"));
  EXPECT_FALSE(LogSays("loaded CRL #1"));
  ProcessResult refused = Status("alice");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out + refused.err, HasSubstr("was revoked"));
  EXPECT_EQ(Status("bob").exit_code, 0);

  // Restarted with the older CRL still installed, the agent refuses to start: the newest
  // CRL it enforced is recorded in its state folder.
  agent_->process().Stop(SIGTERM);
  Agent restarted(tmp_.Sub("dc01"), TlsOptions());
  EXPECT_FALSE(restarted.WaitReady());
  EXPECT_THAT(ReadFile(restarted.log()),
              HasSubstr("tls.crl: " + AgentCrl() + ": CRL #1 from CN=osfleet fleet CA"));
  EXPECT_THAT(ReadFile(restarted.log()), HasSubstr("is older than CRL #2"));
}

TEST_F(RevocationTest, AnUnreadableCrlAtStartUpIsAnErrorNamingTheFile) {
  WriteFile(AgentCrl(), "garbage\n");
  AgentOptions options;
  options.insecure = false;
  options.extra_args = {"--tls-cert", File("dc01.pem"), "--tls-key", File("dc01.key"),
                        "--tls-ca",   File("ca.pem"),   "--tls-crl", AgentCrl()};
  Agent agent(tmp_.Sub("bad"), options);
  EXPECT_FALSE(agent.WaitReady());  // false once the agent exited
  EXPECT_THAT(ReadFile(agent.log()), HasSubstr("tls.crl: " + AgentCrl() + ": no PEM X509 CRL"));
}

}  // namespace
}  // namespace osfleet::testing

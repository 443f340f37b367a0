// `osagent setup`'s agent.yaml (agent/agent_yaml/setup_config): written from the MSI's
// values over a real fleet PKI (osctl pki's own code), read back by the agent's loader,
// never over an existing file, and refused with the agent's own messages.
#include "agent/agent_yaml/setup_config.h"

#include <string>

#include "agent/agent_yaml/agent_config.h"
#include "common/platform/files.h"
#include "common/platform/host_info.h"
#include "ctl/pki/pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/files.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::IsOk;
using ::osfleet::testing::ReadFile;
using ::osfleet::testing::StatusIs;
using ::osfleet::testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::Not;

class SetupConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctl::pki::InitOptions init;
    init.dir = pki_;
    ASSERT_THAT(ctl::pki::InitCa(init), IsOk());
    ctl::pki::IssueOptions issue;
    issue.dir = pki_;
    issue.name = "fe01";
    ASSERT_THAT(ctl::pki::IssueCertificate(issue), IsOk());
  }
  SetupRequest Request() const {
    SetupRequest r;
    r.config = config_;
    r.name = "fe01";
    r.role = "front_end";
    r.tls_dir = pki_;
    return r;
  }

  osfleet::testing::TempDir tmp_;
  const std::string pki_ = tmp_.Sub("pki");
  const std::string config_ = tmp_.Sub("osfleet/agent.yaml");  // its folder made by setup
};

TEST_F(SetupConfigTest, WritesAConfigTheAgentLoadsWithTheDefaults) {
  ASSERT_THAT(WriteSetupConfig(Request()), IsOk());
  absl::StatusOr<AgentConfig> c = LoadAgentConfig(config_);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->name, "fe01");
  EXPECT_EQ(c->role, v1::SERVER_ROLE_FRONT_END);
  EXPECT_EQ(c->listen, "0.0.0.0:7443");
  EXPECT_EQ(c->tls.cert, pki_ + "/fe01.pem");
  EXPECT_EQ(c->tls.key, pki_ + "/fe01.key");
  EXPECT_EQ(c->tls.ca, pki_ + "/ca.pem");
  EXPECT_EQ(c->hsconf_path, AgentConfig{}.hsconf_path);  // the platform default, left out
  EXPECT_THAT(ReadFile(config_), Not(HasSubstr("hsconf")));
  EXPECT_THAT(ValidateAgentConfig(*c), IsOk());
}

TEST_F(SetupConfigTest, WritesEveryGivenValue) {
  SetupRequest r = Request();
  r.role = "DC";
  r.listen = "10.0.0.5:7444";
  r.hsconf = "/srv/os/server.hsconf";
  r.tls_ca = pki_ + "/../pki/ca.pem";  // one file given overrides tls_dir's
  ASSERT_THAT(WriteSetupConfig(r), IsOk());
  absl::StatusOr<AgentConfig> c = LoadAgentConfig(config_);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->role, v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(c->listen, "10.0.0.5:7444");
  EXPECT_EQ(c->hsconf_path, "/srv/os/server.hsconf");
  EXPECT_EQ(c->tls.ca, pki_ + "/../pki/ca.pem");
  EXPECT_EQ(c->tls.cert, pki_ + "/fe01.pem");
}

TEST_F(SetupConfigTest, NoNameMeansTheHostnameAsTheAgentWouldTake) {
  SetupRequest r = Request();
  r.name.clear();
  r.tls_cert = pki_ + "/fe01.pem";  // the folder's files are named for another name
  r.tls_key = pki_ + "/fe01.key";
  ASSERT_THAT(WriteSetupConfig(r), IsOk());
  absl::StatusOr<AgentConfig> c = LoadAgentConfig(config_);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->name, platform::HostName());
  EXPECT_EQ(c->tls.ca, pki_ + "/ca.pem");
}

TEST_F(SetupConfigTest, NeverOverwritesAnExistingConfig) {
  ASSERT_THAT(WriteSetupConfig(Request()), IsOk());
  const std::string mine = "name: mine\n# the administrator's own\n";
  WriteFile(config_, mine);
  SetupRequest r = Request();
  r.role = "not-a-role";  // not even looked at: the file is not this install's
  absl::StatusOr<SetupOutcome> outcome = WriteSetupConfig(r);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, SetupOutcome::kKept);
  EXPECT_EQ(ReadFile(config_), mine);
}

TEST_F(SetupConfigTest, ABadRoleIsRefusedWithTheAgentsMessageAndNothingIsWritten) {
  SetupRequest r = Request();
  r.role = "frontend";
  EXPECT_THAT(WriteSetupConfig(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--role 'frontend' is not one of deployment_controller, front_end"));
  EXPECT_FALSE(platform::PathExists(config_));
}

TEST_F(SetupConfigTest, NoRoleSaysHowToGiveOne) {
  SetupRequest r = Request();
  r.role.clear();
  EXPECT_THAT(WriteSetupConfig(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("role: not set")));
  EXPECT_FALSE(platform::PathExists(config_));
}

TEST_F(SetupConfigTest, ABadListenAddressIsRefused) {
  SetupRequest r = Request();
  r.listen = "0.0.0.0";
  EXPECT_THAT(WriteSetupConfig(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--listen: '0.0.0.0' has no port (use HOST:PORT; port 0 = any)"));
  r.listen = "0.0.0.0:70000";
  EXPECT_THAT(WriteSetupConfig(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--listen")));
  EXPECT_FALSE(platform::PathExists(config_));
}

TEST_F(SetupConfigTest, NoTlsIsRefused) {
  SetupRequest r = Request();
  r.tls_dir.clear();
  EXPECT_THAT(WriteSetupConfig(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("TLS: --tls-cert and --tls-key are required")));
}

TEST_F(SetupConfigTest, ATlsFolderWithoutThisNamesFilesNamesTheMissingFile) {
  SetupRequest r = Request();
  r.name = "fe02";  // the folder has fe01's
  absl::StatusOr<SetupOutcome> outcome = WriteSetupConfig(r);
  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls-cert")));
  EXPECT_THAT(std::string(outcome.status().message()), HasSubstr(pki_ + "/fe02.pem"));
  EXPECT_FALSE(platform::PathExists(config_));
}

TEST_F(SetupConfigTest, AKeyOthersMayReadIsRefusedAsTheAgentWould) {
  osfleet::testing::SetMode(pki_ + "/fe01.key", 0644);
  EXPECT_THAT(WriteSetupConfig(Request()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("--tls-key " + pki_ + "/fe01.key may be read by other accounts")));
  EXPECT_FALSE(platform::PathExists(config_));
}

TEST_F(SetupConfigTest, WindowsTlsFoldersKeepTheirSeparator) {
  SetupRequest r;
  r.tls_dir = "C:\\osfleet\\pki";
  SetupTls tls = ResolveSetupTls(r, "fe01");
  EXPECT_EQ(tls.cert, "C:\\osfleet\\pki\\fe01.pem");
  EXPECT_EQ(tls.key, "C:\\osfleet\\pki\\fe01.key");
  EXPECT_EQ(tls.ca, "C:\\osfleet\\pki\\ca.pem");
  r.tls_dir = "C:\\osfleet\\pki\\";  // msiexec's folder properties end in a backslash
  EXPECT_EQ(ResolveSetupTls(r, "fe01").cert, "C:\\osfleet\\pki\\fe01.pem");
  r.tls_dir.clear();
  EXPECT_EQ(ResolveSetupTls(r, "fe01").cert, "");
}

TEST_F(SetupConfigTest, WindowsPathsSurviveTheYamlRoundTrip) {
  SetupRequest r = Request();
  r.hsconf = "C:\\Program Files\\OutSystems\\Platform Server\\server.hsconf";
  ASSERT_THAT(WriteSetupConfig(r), IsOk());
  absl::StatusOr<AgentConfig> c = LoadAgentConfig(config_);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->hsconf_path, r.hsconf);
}

}  // namespace
}  // namespace osfleet::agent

#include "agent/agent_yaml/agent_config.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

class AgentConfigTest : public ::testing::Test {
 protected:
  absl::StatusOr<AgentConfig> Load(const std::string& yaml) {
    std::ofstream(path_, std::ios::trunc) << yaml;
    return LoadAgentConfig(path_);
  }
  std::string Message(const absl::StatusOr<AgentConfig>& c) const {
    return std::string(c.status().message());
  }

  osfleet::testing::TempDir tmp_;
  const std::string path_ = tmp_.Sub("osagent.yaml");
};

TEST_F(AgentConfigTest, LoadsEveryKey) {
  absl::StatusOr<AgentConfig> c = Load(
      "name: dc01\n"
      "role: deployment_controller\n"
      "listen: 10.0.0.5:7444\n"
      "port_file: /run/osagent/port\n"
      "hsconf: /srv/os/server.hsconf\n"
      "state_dir: /var/lib/osagent-test\n"
      "tls:\n"
      "  cert: /etc/osagent/agent.pem\n"
      "  key: /etc/osagent/agent.key\n"
      "  ca: /etc/osagent/ca.pem\n"
      "insecure: false\n"
      "log_level: debug\n"
      "log_file: /var/log/osagent/osagent.log\n"
      "max_backups: 7\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name, "dc01");
  EXPECT_EQ(c->role, v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER);
  EXPECT_EQ(c->listen, "10.0.0.5:7444");
  EXPECT_EQ(c->port_file, "/run/osagent/port");
  EXPECT_EQ(c->hsconf_path, "/srv/os/server.hsconf");
  EXPECT_EQ(c->state_dir, "/var/lib/osagent-test");
  EXPECT_EQ(c->tls.cert, "/etc/osagent/agent.pem");
  EXPECT_EQ(c->tls.key, "/etc/osagent/agent.key");
  EXPECT_EQ(c->tls.ca, "/etc/osagent/ca.pem");
  EXPECT_FALSE(c->insecure);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->log_file, "/var/log/osagent/osagent.log");
  EXPECT_EQ(c->max_backups, 7);
}

TEST_F(AgentConfigTest, MissingKeysKeepTheirDefaults) {
  absl::StatusOr<AgentConfig> c = Load("role: fe\ninsecure: yes\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->role, v1::SERVER_ROLE_FRONT_END);
  EXPECT_TRUE(c->insecure);
  EXPECT_EQ(c->listen, "0.0.0.0:7443");
  EXPECT_EQ(c->max_backups, 20);
  EXPECT_EQ(c->state_dir, "/var/lib/osagent");
  EXPECT_EQ(c->log_file, "") << "stderr, for systemd's journal";
}

TEST_F(AgentConfigTest, UnknownKeyNamesFileLineAndKey) {
  absl::StatusOr<AgentConfig> c = Load("name: dc01\nrole: dc\nlisen: 0.0.0.0:7443\n");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(c), HasSubstr(absl::StrCat(path_, ":3: ")));
  EXPECT_THAT(Message(c), HasSubstr("unknown key 'lisen'"));
}

TEST_F(AgentConfigTest, UnknownTlsKeyNamesItsLine) {
  absl::StatusOr<AgentConfig> c = Load("role: dc\ntls:\n  cert: a.pem\n  kee: a.key\n");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(c), HasSubstr(absl::StrCat(path_, ":4: ")));
  EXPECT_THAT(Message(c), HasSubstr("'kee'"));
}

TEST_F(AgentConfigTest, WrongTypeNamesTheLine) {
  absl::StatusOr<AgentConfig> c = Load("role: dc\n\nmax_backups: abc\n");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(c), HasSubstr(absl::StrCat(path_, ":3: max_backups: expected an integer")));
  c = Load("role: dc\ninsecure: maybe\n");
  EXPECT_THAT(Message(c), HasSubstr(absl::StrCat(path_, ":2: insecure: expected true or false")));
  c = Load("name: [a, b]\n");
  EXPECT_THAT(Message(c), HasSubstr(absl::StrCat(path_, ":1: name: expected a string")));
}

TEST_F(AgentConfigTest, BadRoleNamesTheLine) {
  absl::StatusOr<AgentConfig> c = Load("name: x\nrole: backend\n");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(c), HasSubstr(absl::StrCat(path_, ":2: role 'backend'")));
}

TEST_F(AgentConfigTest, YamlSyntaxErrorNamesTheLine) {
  absl::StatusOr<AgentConfig> c = Load("role: dc\nname: [unclosed\n");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(c), HasSubstr(path_ + ":"));
}

TEST_F(AgentConfigTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadAgentConfig(tmp_.Sub("nope.yaml")).status().code(), absl::StatusCode::kNotFound);
}

// A value that does not fit an int must not wrap around (4294967297 would load as 1).
TEST_F(AgentConfigTest, MaxBackupsOutOfIntRangeIsRefused) {
  absl::StatusOr<AgentConfig> c = Load("role: dc\nmax_backups: 4294967297\n");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(c), HasSubstr(absl::StrCat(path_, ":2: max_backups")));
}

// ----- ValidateAgentConfig ---------------------------------------------------------------

AgentConfig ValidTlsConfig() {
  AgentConfig c;
  c.role = v1::SERVER_ROLE_FRONT_END;
  c.listen = "0.0.0.0:7443";
  c.tls.cert = "/etc/osagent/agent.pem";
  c.tls.key = "/etc/osagent/agent.key";
  return c;
}

AgentConfig InsecureOn(const std::string& listen) {
  AgentConfig c = ValidTlsConfig();
  c.tls = {};
  c.insecure = true;
  c.listen = listen;
  return c;
}

TEST(ValidateAgentConfigTest, AcceptsACompleteTlsConfig) {
  EXPECT_TRUE(ValidateAgentConfig(ValidTlsConfig()).ok());
}

TEST(ValidateAgentConfigTest, ApplySettingsThroughTheToolNeedsATool) {
  AgentConfig c = ValidTlsConfig();
  c.service_center = ServiceCenterSection{};
  c.service_center->config.apply_settings = ApplySettings::kConfigurationTool;
  c.service_center->config.apply_settings_where = "agent.yaml:7: ";
  absl::Status s = ValidateAgentConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("agent.yaml:7: apply_settings: configuration_tool "
                                                "needs the agent's configuration_tool: section"));
  c.configuration_tool = ConfigurationToolConfig{{"/opt/ct"}};
  EXPECT_TRUE(ValidateAgentConfig(c).ok());
}

TEST(ValidateAgentConfigTest, RoleIsRequired) {
  AgentConfig c = ValidTlsConfig();
  c.role = v1::SERVER_ROLE_UNSPECIFIED;
  absl::Status s = ValidateAgentConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("role"));
}

TEST(ValidateAgentConfigTest, ListenNeedsAPort) {
  AgentConfig c = ValidTlsConfig();
  c.listen = "10.0.0.5";
  absl::Status s = ValidateAgentConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("has no port"));
  c.listen = "10.0.0.5:0";
  EXPECT_TRUE(ValidateAgentConfig(c).ok());
  c.listen = "10.0.0.5:99999";
  EXPECT_EQ(ValidateAgentConfig(c).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ValidateAgentConfigTest, InsecureOnlyOnLoopback) {
  for (const char* listen : {"127.0.0.1:0", "[::1]:7443", "localhost:7443"}) {
    EXPECT_TRUE(ValidateAgentConfig(InsecureOn(listen)).ok()) << listen;
  }
  for (const char* listen : {"0.0.0.0:7443", "10.0.0.5:7443", "[::]:7443", "dc01:7443"}) {
    absl::Status s = ValidateAgentConfig(InsecureOn(listen));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << listen;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--insecure")) << listen;
  }
}

TEST(ValidateAgentConfigTest, TlsNeedsCertAndKey) {
  AgentConfig c = ValidTlsConfig();
  c.tls.key.clear();
  absl::Status s = ValidateAgentConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--tls-key"));
  c = ValidTlsConfig();
  c.tls.cert.clear();
  EXPECT_EQ(ValidateAgentConfig(c).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ValidateAgentConfigTest, MaxBackupsAtLeastOne) {
  AgentConfig c = ValidTlsConfig();
  c.max_backups = 0;
  absl::Status s = ValidateAgentConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("max_backups"));
  c.max_backups = 1;
  EXPECT_TRUE(ValidateAgentConfig(c).ok());
}

TEST(ValidateAgentConfigTest, PathsMustBeSet) {
  AgentConfig c = ValidTlsConfig();
  c.hsconf_path.clear();
  EXPECT_THAT(std::string(ValidateAgentConfig(c).message()), HasSubstr("--hsconf"));
  c = ValidTlsConfig();
  c.state_dir.clear();
  EXPECT_THAT(std::string(ValidateAgentConfig(c).message()), HasSubstr("--state-dir"));
}

}  // namespace
}  // namespace osfleet::agent

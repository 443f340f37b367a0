// The `configuration_tool:` section, read through the agent's config file as the agent
// reads it: defaults, placeholders, and each mistake named with the file's name. (Moved
// from configuration_tool_test.cc.)
#include "agent/configuration_tool/tool_section.h"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_yaml/agent_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

class ToolSectionTest : public ::testing::Test {
 protected:
  absl::StatusOr<AgentConfig> LoadYaml(const std::string& yaml) {
    const std::string path = tmp_.Sub("agent.yaml");
    std::ofstream(path, std::ios::trunc) << yaml;
    return LoadAgentConfig(path);
  }

  osfleet::testing::TempDir tmp_;
};

TEST_F(ToolSectionTest, TheSectionAndItsErrors) {
  absl::StatusOr<AgentConfig> ok = LoadYaml(
      "configuration_tool:\n  command: [/opt/os/ConfigurationTool.com]\n  apply: [/SetupInstall, "
      "'${u}', '${p}']\n  timeout: 45m\n  log_file: /tmp/ct.log\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_TRUE(ok->configuration_tool.has_value());
  EXPECT_EQ(ok->configuration_tool->apply.size(), 3u);
  EXPECT_EQ(ok->configuration_tool->timeout, absl::Minutes(45));
  absl::StatusOr<AgentConfig> defaults =
      LoadYaml("configuration_tool:\n  command: ['C:\\Program Files\\OutSystems\\CT.com']\n");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->configuration_tool->apply, std::vector<std::string>{"/UpgradeInstall"});
  EXPECT_EQ(defaults->configuration_tool->apply_settings,
            std::vector<std::string>{"/ApplySettingsFactory"});
  absl::StatusOr<AgentConfig> windows_auth = LoadYaml(
      "configuration_tool:\n  command: [/x]\n  apply_settings: [/ApplySettingsFactory, "
      "/WithWindowsAuthentication, '${windows_auth_password}']\n");
  ASSERT_TRUE(windows_auth.ok()) << windows_auth.status();
  EXPECT_EQ(windows_auth->configuration_tool->apply_settings,
            (std::vector<std::string>{"/ApplySettingsFactory", "/WithWindowsAuthentication",
                                      "${windows_auth_password}"}));
  EXPECT_EQ(*PlaceholderNames(windows_auth->configuration_tool->apply_settings),
            std::set<std::string>{"windows_auth_password"});
  EXPECT_FALSE(LoadYaml("name: x\n")->configuration_tool.has_value());

  struct Bad {
    std::string yaml, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"configuration_tool:\n", "configuration_tool.command: required on this OS"},
           {"configuration_tool:\n  command: [ConfigurationTool.com]\n", "is not an absolute path"},
           {"configuration_tool:\n  command: [/x]\n  apply: []\n", "expected a non-empty list"},
           {"configuration_tool:\n  command: [/x]\n  apply: ['${db pw}']\n",
            "a placeholder is ${name}"},
           {"configuration_tool:\n  command: [/x]\n  apply: ['${unclosed']\n",
            "a placeholder is ${name}"},
           {"configuration_tool:\n  command: [/x]\n  apply_settings: []\n",
            "apply_settings: expected a non-empty list"},
           {"configuration_tool:\n  command: [/x]\n  apply_settings: [/ApplySettingsFactory, "
            "'${win pw}']\n",
            "configuration_tool.apply_settings: argument 2"},
           {"configuration_tool:\n  command: [/x]\n  timeout: 0s\n", "configuration_tool.timeout"},
           {"configuration_tool:\n  command: [/x]\n  swiches: [/a]\n", "swiches"},
       }) {
    absl::StatusOr<AgentConfig> c = LoadYaml(bad.yaml);
    ASSERT_FALSE(c.ok()) << bad.yaml;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(c.status().message(), HasSubstr(bad.message)) << bad.yaml;
    EXPECT_THAT(c.status().message(), HasSubstr("agent.yaml:")) << bad.yaml;
  }
}

}  // namespace
}  // namespace osfleet::agent

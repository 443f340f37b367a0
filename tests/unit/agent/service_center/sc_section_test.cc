// The `service_center:` section: the encrypted password file under its name and its old
// one, apply_settings / republish and their defaults against the agent's Configuration
// Tool, each mistake named with its file and line.
#include "agent/service_center/sc_section.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/text/yaml_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

class ScConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    path_ = dir_ + "/osagent.yaml";
    secret_ = dir_ + "/sc.encrypted";
    std::ofstream(secret_) << "#EncryptedValue0123\n";
    chmod(secret_.c_str(), 0600);
  }

  // `extra` follows url and user in the service_center: section (line 4 on).
  absl::StatusOr<ServiceCenterSection> Load(const std::string& extra) {
    std::ofstream(path_, std::ios::trunc)
        << "service_center:\n  url: https://dc01/ServiceCenter\n  user: admin\n"
        << extra;
    absl::StatusOr<YAML::Node> root = LoadYamlFile(path_);
    if (!root.ok()) return root.status();
    return LoadServiceCenter(path_, (*root)["service_center"]);
  }
  std::string At(int line) const { return absl::StrCat(path_, ":", line, ": "); }
  std::string Password() const {
    return absl::StrCat("  password_encrypted_file: ", secret_, "\n");
  }

  static ConfigurationToolConfig Tool() {
    ConfigurationToolConfig tool;
    tool.command = {"/bin/true"};
    return tool;
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_, path_, secret_;
};

TEST_F(ScConfigTest, ReadsTheEncryptedPasswordFileUnderItsNameOrItsOldOne) {
  absl::StatusOr<ServiceCenterSection> current = Load(Password());
  ASSERT_OK(current);
  EXPECT_EQ(current->config.http.password_encrypted_file, secret_);
  absl::StatusOr<ServiceCenterSection> old =
      Load(absl::StrCat("  password_hash_file: ", secret_, "\n"));
  ASSERT_OK(old);
  EXPECT_EQ(old->config.http.password_encrypted_file, secret_);
}

TEST_F(ScConfigTest, BothPasswordKeysAreAnError) {
  absl::StatusOr<ServiceCenterSection> both =
      Load(absl::StrCat(Password(), "  password_hash_file: ", secret_, "\n"));
  EXPECT_THAT(both, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(both.status().message(),
              AllOf(HasSubstr(At(5)), HasSubstr("password_encrypted_file and password_hash_file"),
                    HasSubstr("keep password_encrypted_file")));
  absl::StatusOr<ServiceCenterSection> none = Load("");
  EXPECT_THAT(none.status().message(), HasSubstr("missing 'password_encrypted_file'"));
}

TEST_F(ScConfigTest, ApplySettingsAndRepublishValues) {
  absl::StatusOr<ServiceCenterSection> c =
      Load(absl::StrCat(Password(), "  apply_settings: configuration_tool\n  republish: none\n"));
  ASSERT_OK(c);
  EXPECT_EQ(c->config.apply_settings, ApplySettings::kConfigurationTool);
  EXPECT_EQ(c->config.republish, Republish::kNone);
  EXPECT_EQ(c->config.apply_settings_where, At(5));

  absl::StatusOr<ServiceCenterSection> unset = Load(Password());
  ASSERT_OK(unset);
  EXPECT_FALSE(unset->config.apply_settings.has_value());
  EXPECT_FALSE(unset->config.republish.has_value());

  absl::StatusOr<ServiceCenterSection> bad =
      Load(absl::StrCat(Password(), "  apply_settings: tool\n"));
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad.status().message(),
              AllOf(HasSubstr(At(5)), HasSubstr("apply_settings: 'tool' is not configuration_tool "
                                                "or republish")));
  bad = Load(absl::StrCat(Password(), "  republish: flagged\n"));
  EXPECT_THAT(
      bad.status().message(),
      AllOf(HasSubstr(At(5)), HasSubstr("republish: 'flagged' is not outdated, all or none")));
}

TEST_F(ScConfigTest, TheCommandDriverTakesNoPolicy) {
  std::ofstream(path_, std::ios::trunc)
      << "service_center:\n  driver: command\n  command: [/bin/true]\n  republish: all\n";
  absl::StatusOr<YAML::Node> root = LoadYamlFile(path_);
  ASSERT_OK(root);
  absl::Status s = LoadServiceCenter(path_, (*root)["service_center"]).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), AllOf(HasSubstr(At(4)), HasSubstr("republish is for driver: http")));
}

// MakePhaseDriver settles the defaults against the agent's configuration_tool: section.
TEST_F(ScConfigTest, DefaultsFollowTheConfigurationTool) {
  absl::StatusOr<ServiceCenterSection> c = Load(Password());
  ASSERT_OK(c);
  EXPECT_OK(MakePhaseDriver(c->config, Tool()));
  EXPECT_OK(MakePhaseDriver(c->config));

  c = Load(absl::StrCat(Password(), "  apply_settings: republish\n"));
  ASSERT_OK(c);
  EXPECT_OK(MakePhaseDriver(c->config, Tool())) << "the tool may be there, unused";
}

TEST_F(ScConfigTest, ConfigurationToolWithoutATool) {
  absl::StatusOr<ServiceCenterSection> c =
      Load(absl::StrCat(Password(), "  apply_settings: configuration_tool\n"));
  ASSERT_OK(c);
  absl::Status s = MakePhaseDriver(c->config).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), AllOf(HasSubstr(At(5)), HasSubstr("apply_settings: configuration_tool"),
                                 HasSubstr("configuration_tool: section")));
  EXPECT_OK(MakePhaseDriver(c->config, Tool()));
}

TEST_F(ScConfigTest, RepublishingNothingWithoutAToolAppliesNothing) {
  absl::StatusOr<ServiceCenterSection> c = Load(absl::StrCat(Password(), "  republish: none\n"));
  ASSERT_OK(c);
  absl::Status s = MakePhaseDriver(c->config).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.message(), AllOf(HasSubstr(At(5)), HasSubstr("would apply no settings")));
  EXPECT_OK(MakePhaseDriver(c->config, Tool())) << "the tool applies them";
}

TEST(ScModuleFlagsTest, SixAndThirteenFlagAModule) {
  ScModule module{"Home", "k", "eSpace", {{3, "something else"}}};
  EXPECT_FALSE(IsFlagged(module));
  EXPECT_EQ(FlagReasons(module), "");
  module.status_messages.push_back({6, "References are outdated"});
  module.status_messages.push_back({13, ""});
  EXPECT_TRUE(IsFlagged(module));
  EXPECT_EQ(FlagReasons(module),
            "6 outdated references: \"References are outdated\"; 13 not published since the last "
            "version update");
  EXPECT_EQ(RepublishName(Republish::kOutdated), "outdated");
  EXPECT_EQ(ApplySettingsName(ApplySettings::kConfigurationTool), "configuration_tool");
}

// wsdl_file: a saved copy of the WSDL, read at load: a missing or unfitting one stops the
// agent at start, naming the line.
TEST_F(ScConfigTest, WsdlFile) {
  const std::string good = absl::StrCat(OSFLEET_FIXTURES_DIR, "/wsdl/outsystems.wsdl");
  absl::StatusOr<ServiceCenterSection> s =
      Load(absl::StrCat(Password(), "  wsdl_file: ", good, "\n"));
  ASSERT_OK(s);
  EXPECT_EQ(s->config.http.wsdl_file, good);
  EXPECT_TRUE(Load(Password())->config.http.wsdl_file.empty());

  s = Load(absl::StrCat(Password(), "  wsdl_file: ", dir_, "/missing.wsdl\n"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.status().message(),
              AllOf(HasSubstr(At(5)), HasSubstr("wsdl_file "), HasSubstr("missing.wsdl")));

  const std::string html = dir_ + "/page.wsdl";
  std::ofstream(html) << "<html><body>Log in</body></html>";
  s = Load(absl::StrCat(Password(), "  wsdl_file: ", html, "\n"));
  EXPECT_THAT(s.status().message(), AllOf(HasSubstr(At(5)), HasSubstr("is not a WSDL")));
  unlink(html.c_str());

  s = Load(absl::StrCat(Password(), "  wsdl_file: [a, b]\n"));
  EXPECT_THAT(s.status().message(), AllOf(HasSubstr(At(5)), HasSubstr("wsdl_file")));

  std::ofstream(path_, std::ios::trunc) << "service_center:\n  driver: command\n  command: "
                                           "[/bin/true]\n  wsdl_file: "
                                        << good << "\n";
  absl::StatusOr<YAML::Node> root = LoadYamlFile(path_);
  ASSERT_OK(root);
  EXPECT_THAT(LoadServiceCenter(path_, (*root)["service_center"]).status().message(),
              AllOf(HasSubstr(At(4)), HasSubstr("wsdl_file is for driver: http")));
}

// Issue 26, finding 8: the caps on what a Service Center may make the phase handle.
TEST_F(ScConfigTest, CapsHaveDefaultsAndAreReadInTheirRange) {
  absl::StatusOr<ServiceCenterSection> defaults = Load(Password());
  ASSERT_OK(defaults);
  EXPECT_EQ(defaults->config.http.max_answer_mib, 32);
  EXPECT_EQ(defaults->config.http.max_modules, 20000);
  EXPECT_EQ(defaults->config.http.max_publish_mib, 8);

  absl::StatusOr<ServiceCenterSection> set = Load(absl::StrCat(
      Password(), "  max_answer_mib: 64\n  max_modules: 100000\n  max_publish_mib: 16\n"));
  ASSERT_OK(set);
  EXPECT_EQ(set->config.http.max_answer_mib, 64);
  EXPECT_EQ(set->config.http.max_modules, 100000);
  EXPECT_EQ(set->config.http.max_publish_mib, 16);

  absl::StatusOr<ServiceCenterSection> zero = Load(absl::StrCat(Password(), "  max_modules: 0\n"));
  EXPECT_THAT(zero, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(zero.status().message(),
              AllOf(HasSubstr(At(5)), HasSubstr("max_modules: 0 is not from 1 to 1000000")));
  absl::StatusOr<ServiceCenterSection> huge =
      Load(absl::StrCat(Password(), "  max_answer_mib: 4096\n"));
  EXPECT_THAT(huge.status().message(), HasSubstr("max_answer_mib: 4096 is not from 1 to 1024"));
  absl::StatusOr<ServiceCenterSection> text =
      Load(absl::StrCat(Password(), "  max_publish_mib: lots\n"));
  EXPECT_THAT(text, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(text.status().message(), HasSubstr(At(5)));
}

}  // namespace
}  // namespace osfleet::agent

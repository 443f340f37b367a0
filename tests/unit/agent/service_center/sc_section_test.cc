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

namespace osfleet::agent {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class ScConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "sc_config_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/osagent.yaml";
    secret_ = dir_ + "/sc.encrypted";
    std::ofstream(secret_) << "#EncryptedValue0123\n";
    chmod(secret_.c_str(), 0600);
  }
  void TearDown() override {
    unlink(path_.c_str());
    unlink(secret_.c_str());
    rmdir(dir_.c_str());
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

  std::string dir_, path_, secret_;
};

TEST_F(ScConfigTest, ReadsTheEncryptedPasswordFileUnderItsNameOrItsOldOne) {
  absl::StatusOr<ServiceCenterSection> current = Load(Password());
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->config.http.password_encrypted_file, secret_);
  absl::StatusOr<ServiceCenterSection> old =
      Load(absl::StrCat("  password_hash_file: ", secret_, "\n"));
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->config.http.password_encrypted_file, secret_);
}

TEST_F(ScConfigTest, BothPasswordKeysAreAnError) {
  absl::StatusOr<ServiceCenterSection> both =
      Load(absl::StrCat(Password(), "  password_hash_file: ", secret_, "\n"));
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(both.status().message(),
              AllOf(HasSubstr(At(5)), HasSubstr("password_encrypted_file and password_hash_file"),
                    HasSubstr("keep password_encrypted_file")));
  absl::StatusOr<ServiceCenterSection> none = Load("");
  EXPECT_THAT(none.status().message(), HasSubstr("missing 'password_encrypted_file'"));
}

TEST_F(ScConfigTest, ApplySettingsAndRepublishValues) {
  absl::StatusOr<ServiceCenterSection> c =
      Load(absl::StrCat(Password(), "  apply_settings: configuration_tool\n  republish: none\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->config.apply_settings, ApplySettings::kConfigurationTool);
  EXPECT_EQ(c->config.republish, Republish::kNone);
  EXPECT_EQ(c->config.apply_settings_where, At(5));

  absl::StatusOr<ServiceCenterSection> unset = Load(Password());
  ASSERT_TRUE(unset.ok());
  EXPECT_FALSE(unset->config.apply_settings.has_value());
  EXPECT_FALSE(unset->config.republish.has_value());

  absl::StatusOr<ServiceCenterSection> bad =
      Load(absl::StrCat(Password(), "  apply_settings: tool\n"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
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
  ASSERT_TRUE(root.ok());
  absl::Status s = LoadServiceCenter(path_, (*root)["service_center"]).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(At(4)), HasSubstr("republish is for driver: http")));
}

// MakePhaseDriver settles the defaults against the agent's configuration_tool: section.
TEST_F(ScConfigTest, DefaultsFollowTheConfigurationTool) {
  absl::StatusOr<ServiceCenterSection> c = Load(Password());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(MakePhaseDriver(c->config, Tool()).ok());
  EXPECT_TRUE(MakePhaseDriver(c->config).ok());

  c = Load(absl::StrCat(Password(), "  apply_settings: republish\n"));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(MakePhaseDriver(c->config, Tool()).ok()) << "the tool may be there, unused";
}

TEST_F(ScConfigTest, ConfigurationToolWithoutATool) {
  absl::StatusOr<ServiceCenterSection> c =
      Load(absl::StrCat(Password(), "  apply_settings: configuration_tool\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  absl::Status s = MakePhaseDriver(c->config).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(At(5)), HasSubstr("apply_settings: configuration_tool"),
                                 HasSubstr("configuration_tool: section")));
  EXPECT_TRUE(MakePhaseDriver(c->config, Tool()).ok());
}

TEST_F(ScConfigTest, RepublishingNothingWithoutAToolAppliesNothing) {
  absl::StatusOr<ServiceCenterSection> c = Load(absl::StrCat(Password(), "  republish: none\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  absl::Status s = MakePhaseDriver(c->config).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(At(5)), HasSubstr("would apply no settings")));
  EXPECT_TRUE(MakePhaseDriver(c->config, Tool()).ok()) << "the tool applies them";
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
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->config.http.wsdl_file, good);
  EXPECT_TRUE(Load(Password())->config.http.wsdl_file.empty());

  s = Load(absl::StrCat(Password(), "  wsdl_file: ", dir_, "/missing.wsdl\n"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
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
  ASSERT_TRUE(root.ok());
  EXPECT_THAT(LoadServiceCenter(path_, (*root)["service_center"]).status().message(),
              AllOf(HasSubstr(At(4)), HasSubstr("wsdl_file is for driver: http")));
}

// Issue 26, finding 8: the caps on what a Service Center may make the phase handle.
TEST_F(ScConfigTest, CapsHaveDefaultsAndAreReadInTheirRange) {
  absl::StatusOr<ServiceCenterSection> defaults = Load(Password());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->config.http.max_answer_mib, 32);
  EXPECT_EQ(defaults->config.http.max_modules, 20000);
  EXPECT_EQ(defaults->config.http.max_publish_mib, 8);

  absl::StatusOr<ServiceCenterSection> set = Load(absl::StrCat(
      Password(), "  max_answer_mib: 64\n  max_modules: 100000\n  max_publish_mib: 16\n"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->config.http.max_answer_mib, 64);
  EXPECT_EQ(set->config.http.max_modules, 100000);
  EXPECT_EQ(set->config.http.max_publish_mib, 16);

  absl::StatusOr<ServiceCenterSection> zero = Load(absl::StrCat(Password(), "  max_modules: 0\n"));
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(zero.status().message(),
              AllOf(HasSubstr(At(5)), HasSubstr("max_modules: 0 is not from 1 to 1000000")));
  absl::StatusOr<ServiceCenterSection> huge =
      Load(absl::StrCat(Password(), "  max_answer_mib: 4096\n"));
  EXPECT_THAT(huge.status().message(), HasSubstr("max_answer_mib: 4096 is not from 1 to 1024"));
  absl::StatusOr<ServiceCenterSection> text =
      Load(absl::StrCat(Password(), "  max_publish_mib: lots\n"));
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr(At(5)));
}

}  // namespace
}  // namespace osfleet::agent

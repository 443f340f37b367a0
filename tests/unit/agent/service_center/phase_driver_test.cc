// MakePhaseDriver checks a `service_center:` configuration before any phase runs: the
// encrypted password file (private, not empty, there), the Service Center URL, the user,
// and the command driver's program. No process, no Service Center: config and files only.
#include "agent/service_center/phase_driver.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/files.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kUser[] = "osfleet-admin";
constexpr char kHash[] = "Zq8dF3kP0hashVALUE9x";  // the encrypted password: "#" + this

class PhaseDriverConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteHash(absl::StrCat("#", kHash, "\n"), 0600); }

  void WriteHash(const std::string& content, mode_t mode) {
    hash_file_ = tmp_.Sub("sc.hash");
    testing::WriteFile(hash_file_, content);
    chmod(hash_file_.c_str(), mode);
  }

  HttpDriverConfig Config(const std::string& url) const {
    HttpDriverConfig c;
    c.url = url;
    c.user = kUser;
    c.password_encrypted_file = hash_file_;
    c.request_timeout = absl::Seconds(10);
    c.poll_interval = absl::Milliseconds(20);
    c.connect_retries = 2;
    return c;
  }

  testing::TempDir tmp_;
  std::string hash_file_;
};

TEST_F(PhaseDriverConfigTest, MakePhaseDriverChecksTheConfig) {
  agent::ServiceCenterConfig config;
  config.http = Config("https://dc01.example.com");
  EXPECT_OK(agent::MakePhaseDriver(config));
  WriteHash(absl::StrCat("#", kHash), 0644);
  absl::Status status = agent::MakePhaseDriver(config).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("is readable by others; run: chmod 600 "));
  WriteHash(" \n", 0600);
  EXPECT_THAT(agent::MakePhaseDriver(config).status().message(), HasSubstr("is empty"));
  config.http.password_encrypted_file = tmp_.Sub("missing.hash");
  EXPECT_THAT(agent::MakePhaseDriver(config), StatusIs(absl::StatusCode::kFailedPrecondition));
  WriteHash(absl::StrCat("#", kHash), 0600);
  for (const std::string url :
       {"ftp://dc01", "https://", "dc01.example.com", "https://dc01/ServiceStudio",
        "https:///ServiceCenter", "https://dc01/ServiceCenter/x", "https://dc01?ServiceCenter"}) {
    config.http = Config(url);
    EXPECT_EQ(agent::MakePhaseDriver(config).status().code(), absl::StatusCode::kInvalidArgument)
        << url;
  }
  for (const std::string url :
       {"https://dc01/ServiceCenter", "https://dc01.example.com/servicecenter/",
        "http://dc01:8080/ServiceCenter", "https://dc01/"}) {
    config.http = Config(url);
    EXPECT_TRUE(agent::MakePhaseDriver(config).ok()) << url;  // as administrators know it
  }
  config.http = Config("http://dc01:8080/");
  config.http.user = "";
  EXPECT_THAT(agent::MakePhaseDriver(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config.driver = agent::ServiceCenterConfig::Driver::kCommand;
  config.command.command = {"republish.sh"};
  EXPECT_THAT(agent::MakePhaseDriver(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config.command.command = {"/bin/sh", "-c", "true"};
  EXPECT_OK(agent::MakePhaseDriver(config));
}

}  // namespace
}  // namespace osfleet::agent

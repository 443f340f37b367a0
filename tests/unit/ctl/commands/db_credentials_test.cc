// --db-admin-credentials FILE: a private YAML map of placeholder names to values; every
// mistake named with the file and line, never with a value.
#include "ctl/commands/db_credentials.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::ctl {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class DbCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = tmp_.path() + "/creds.yaml"; }
  absl::StatusOr<DbCredentials> Load(const std::string& bytes, mode_t mode = 0600) {
    std::ofstream(path_, std::ios::trunc | std::ios::binary) << bytes;
    chmod(path_.c_str(), mode);
    return LoadDbCredentials(path_);
  }
  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string path_;
};

TEST_F(DbCredentialsTest, ReadsNamesAndValues) {
  absl::StatusOr<DbCredentials> c = Load("db_admin_user: sa\ndb_admin_password: 'p@ss: w0rd'\n");
  ASSERT_OK(c);
  EXPECT_EQ(*c, (DbCredentials{{"db_admin_user", "sa"}, {"db_admin_password", "p@ss: w0rd"}}));
}

TEST_F(DbCredentialsTest, MistakesNameTheLineNeverTheValue) {
  struct Bad {
    std::string bytes, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"- secret-value-1\n", "expected `name: value` lines"},
           {"db pw: secret-value-1\n", "'db pw' is not a placeholder name"},
           {"db_admin_password: [secret-value-1]\n", "expected a text value"},
           {"db_admin_password: ''\n", "expected a text value"},
           {"db_admin_password: secret-value-\xE9\n", "not valid UTF-8"},
       }) {
    absl::StatusOr<DbCredentials> c = Load(bad.bytes);
    ASSERT_FALSE(c.ok()) << bad.bytes;
    EXPECT_THAT(c.status().message(), HasSubstr(bad.message)) << bad.bytes;
    EXPECT_THAT(c.status().message(), HasSubstr(path_)) << bad.bytes;
    EXPECT_THAT(c.status().message(), Not(HasSubstr("secret-value"))) << c.status();
  }
}

TEST_F(DbCredentialsTest, AFileOthersMayReadIsRefusedWithTheFix) {
  absl::StatusOr<DbCredentials> c = Load("db_admin_password: x\n", 0644);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(c.status().message(), HasSubstr("chmod 600"));
}

TEST_F(DbCredentialsTest, BothFlagsOrAPromptWithoutATerminalAreUsageErrors) {
  EXPECT_THAT(ResolveDbCredentials({"f", "u"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(ResolveDbCredentials({}).value().empty());
  // ctest runs without a terminal on stdin: the prompt cannot be shown.
  absl::StatusOr<DbCredentials> prompt = ResolveDbCredentials({"", "sa"});
  if (!prompt.ok()) EXPECT_THAT(prompt.status().message(), HasSubstr("stdin is not a terminal"));
}

}  // namespace
}  // namespace osfleet::ctl

// Agent config files that are not UTF-8 or not YAML: refused with the file, line and column.
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/agent_yaml/agent_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

class AgentConfigBadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "agent_config_bad_files_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/osagent.yaml";
  }
  void TearDown() override {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  absl::Status Load(const std::string& bytes) {
    std::ofstream(path_, std::ios::trunc | std::ios::binary) << bytes;
    return LoadAgentConfig(path_).status();
  }

  std::string dir_, path_;
};

TEST_F(AgentConfigBadFileTest, NotUtf8NamesFileLineAndColumn) {
  const absl::Status s = Load("role: dc\nname: Servidor-Jo\xE3o\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            absl::StrCat(path_, ":2:18: not valid UTF-8 (byte 0xE3); save the file as UTF-8"));
}

TEST_F(AgentConfigBadFileTest, NotYamlNamesFileAndLine) {
  for (const std::string& bad :
       std::vector<std::string>{"role: dc\nservices: [\n", "role: dc\n  name: x\n: y\n",
                                std::string("\x89PNG\r\n\x1A\n\0\0", 10)}) {
    const absl::Status s = Load(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()), ::testing::MatchesRegex(path_ + ":[0-9]+:.*")) << s;
  }
}

TEST_F(AgentConfigBadFileTest, YamlThatIsNotAMappingNamesTheFile) {
  const absl::Status s = Load("- role: dc\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(path_, ":1: config: expected a mapping")));
}

}  // namespace
}  // namespace osfleet::agent

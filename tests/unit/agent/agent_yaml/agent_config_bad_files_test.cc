// Agent config files that are not UTF-8 or not YAML: refused with the file, line and column.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/agent_yaml/agent_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

class AgentConfigBadFileTest : public ::testing::Test {
 protected:
  absl::Status Load(const std::string& bytes) {
    std::ofstream(path_, std::ios::trunc | std::ios::binary) << bytes;
    return LoadAgentConfig(path_).status();
  }

  osfleet::testing::TempDir tmp_;
  const std::string path_ = tmp_.Sub("osagent.yaml");
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

#include "common/text/yaml_util.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet {
namespace {

using ::osfleet::testing::StatusIs;
using ::testing::HasSubstr;

class YamlUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    path_ = dir_ + "/file.yaml";
  }
  absl::StatusOr<YAML::Node> Load(const std::string& bytes) {
    std::ofstream(path_, std::ios::trunc | std::ios::binary) << bytes;
    return LoadYamlFile(path_);
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_, path_;
};

// Saved by an editor in Windows-1252: "é" is the single byte 0xE9.
TEST_F(YamlUtilTest, TextThatIsNotUtf8NamesFileLineAndColumn) {
  absl::StatusOr<YAML::Node> node = Load("servers:\n  - name: caf\xE9\n");
  ASSERT_THAT(node, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(node.status().message(),
            absl::StrCat(path_, ":2:14: not valid UTF-8 (byte 0xE9); save the file as UTF-8"));
  // A cut multi-byte character at the very start.
  node = Load("\xE2\x82: x\n");
  EXPECT_THAT(node.status().message(), HasSubstr(absl::StrCat(path_, ":1:1: not valid UTF-8")));
}

TEST_F(YamlUtilTest, TextThatIsNotYamlNamesFileLineAndColumn) {
  for (const std::string bad : {"a: [1, 2\n", "a: b\n\tc: d\n", "{{{{\n", "a: *nope\n"}) {
    absl::StatusOr<YAML::Node> node = Load(bad);
    ASSERT_THAT(node, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(std::string(node.status().message()),
                ::testing::MatchesRegex(path_ + ":[0-9]+:[0-9]+: .+"));
  }
}

TEST_F(YamlUtilTest, Utf8WithBomAndUtf16AreRead) {
  absl::StatusOr<YAML::Node> node = Load("\xEF\xBB\xBFname: S\xC3\xA3o\n");
  ASSERT_OK(node);
  EXPECT_EQ((*node)["name"].Scalar(), "S\xC3\xA3o");
  // "name: Sao" in UTF-16LE with a BOM (PowerShell 5's Out-File).
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("name: Sao\n")) utf16 += std::string{c, '\0'};
  node = Load(utf16);
  ASSERT_OK(node);
  EXPECT_EQ((*node)["name"].Scalar(), "Sao");
}

TEST_F(YamlUtilTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadYamlFile(dir_ + "/nope.yaml"), StatusIs(absl::StatusCode::kNotFound));
}

// Numbers are read with absl::SimpleAtoi, never std::sto* (which throws).
TEST_F(YamlUtilTest, IntegersOutOfRangeOrNotNumbersAreRefused) {
  for (const char* text :
       {"99999999999999999999", "-99999999999999999999", "12abc", "0x", "", "1e3", " "}) {
    absl::StatusOr<YAML::Node> node = Load(absl::StrCat("n: '", text, "'\n"));
    ASSERT_OK(node);
    absl::StatusOr<int64_t> n = YamlInt(path_, (*node)["n"], "n");
    EXPECT_THAT(n, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(n.status().message(), HasSubstr(absl::StrCat(path_, ":1: n: expected an integer")));
  }
  absl::StatusOr<YAML::Node> node = Load("n: 9223372036854775807\n");
  ASSERT_OK(node);
  EXPECT_EQ(*YamlInt(path_, (*node)["n"], "n"), INT64_MAX);
}

}  // namespace
}  // namespace osfleet

#include "common/text/yaml_util.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet {
namespace {

using ::testing::HasSubstr;

class YamlUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "yaml_util_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/file.yaml";
  }
  void TearDown() override {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  absl::StatusOr<YAML::Node> Load(const std::string& bytes) {
    std::ofstream(path_, std::ios::trunc | std::ios::binary) << bytes;
    return LoadYamlFile(path_);
  }

  std::string dir_, path_;
};

// Saved by an editor in Windows-1252: "é" is the single byte 0xE9.
TEST_F(YamlUtilTest, TextThatIsNotUtf8NamesFileLineAndColumn) {
  absl::StatusOr<YAML::Node> node = Load("servers:\n  - name: caf\xE9\n");
  ASSERT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument) << node.status();
  EXPECT_EQ(node.status().message(),
            absl::StrCat(path_, ":2:14: not valid UTF-8 (byte 0xE9); save the file as UTF-8"));
  // A cut multi-byte character at the very start.
  node = Load("\xE2\x82: x\n");
  EXPECT_THAT(node.status().message(), HasSubstr(absl::StrCat(path_, ":1:1: not valid UTF-8")));
}

TEST_F(YamlUtilTest, TextThatIsNotYamlNamesFileLineAndColumn) {
  for (const std::string bad : {"a: [1, 2\n", "a: b\n\tc: d\n", "{{{{\n", "a: *nope\n"}) {
    absl::StatusOr<YAML::Node> node = Load(bad);
    ASSERT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(node.status().message()),
                ::testing::MatchesRegex(path_ + ":[0-9]+:[0-9]+: .+"));
  }
}

TEST_F(YamlUtilTest, Utf8WithBomAndUtf16AreRead) {
  absl::StatusOr<YAML::Node> node = Load("\xEF\xBB\xBFname: S\xC3\xA3o\n");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*node)["name"].Scalar(), "S\xC3\xA3o");
  // "name: Sao" in UTF-16LE with a BOM (PowerShell 5's Out-File).
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("name: Sao\n")) utf16 += std::string{c, '\0'};
  node = Load(utf16);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*node)["name"].Scalar(), "Sao");
}

TEST_F(YamlUtilTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadYamlFile(dir_ + "/nope.yaml").status().code(), absl::StatusCode::kNotFound);
}

// Numbers are read with absl::SimpleAtoi, never std::sto* (which throws).
TEST_F(YamlUtilTest, IntegersOutOfRangeOrNotNumbersAreRefused) {
  for (const char* text :
       {"99999999999999999999", "-99999999999999999999", "12abc", "0x", "", "1e3", " "}) {
    absl::StatusOr<YAML::Node> node = Load(absl::StrCat("n: '", text, "'\n"));
    ASSERT_TRUE(node.ok()) << node.status();
    absl::StatusOr<int64_t> n = YamlInt(path_, (*node)["n"], "n");
    EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(n.status().message(), HasSubstr(absl::StrCat(path_, ":1: n: expected an integer")));
  }
  absl::StatusOr<YAML::Node> node = Load("n: 9223372036854775807\n");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(*YamlInt(path_, (*node)["n"], "n"), INT64_MAX);
}

}  // namespace
}  // namespace osfleet

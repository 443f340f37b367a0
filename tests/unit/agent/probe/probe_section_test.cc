// The `probe:` section: its defaults, its two keys and their mistakes.
#include "agent/probe/probe_section.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::agent {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<ProbeOptions> Load(const std::string& yaml) {
  return LoadProbeOptions("agent.yaml", YAML::Load(yaml)["probe"]);
}

TEST(ProbeSectionTest, KeysAndDefaults) {
  absl::StatusOr<ProbeOptions> options = Load("probe: {timeout: 750ms, sql_browser_port: 11434}\n");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->timeout, absl::Milliseconds(750));
  EXPECT_EQ(options->sql_browser_port, 11434);
  options = Load("probe: {}\n");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->timeout, absl::Seconds(3));
  EXPECT_EQ(options->sql_browser_port, 1434);
}

TEST(ProbeSectionTest, MistakesNameTheirLine) {
  struct Bad {
    std::string yaml, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"probe: 3s\n", "agent.yaml:1: probe: expected a mapping of keys to values"},
           {"probe:\n  timout: 3s\n", "agent.yaml:2: probe: unknown key 'timout'"},
           {"probe:\n  timeout: soon\n", "agent.yaml:2: timeout: 'soon' is not a duration"},
           {"probe:\n  sql_browser_port: 65536\n", "agent.yaml:2: sql_browser_port: 1..65535"},
           {"probe:\n  sql_browser_port: 0\n", "agent.yaml:2: sql_browser_port: 1..65535"},
           {"probe:\n  sql_browser_port: udp\n",
            "agent.yaml:2: sql_browser_port: expected an integer"},
       }) {
    absl::StatusOr<ProbeOptions> options = Load(bad.yaml);
    ASSERT_FALSE(options.ok()) << bad.yaml;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument) << bad.yaml;
    EXPECT_THAT(std::string(options.status().message()), HasSubstr(bad.message)) << bad.yaml;
  }
}

}  // namespace
}  // namespace osfleet::agent

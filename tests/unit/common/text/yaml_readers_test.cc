// The readers several config sections share: `command:`, `env:` and durations, each
// mistake named with its file and line.
#include "common/text/yaml_readers.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kFile[] = "agent.yaml";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(YamlReadersTest, CommandLineIsAnAbsoluteProgramAndItsArguments) {
  const YAML::Node node = YAML::Load("command: ['C:\\tools\\x.exe', --port, 12001]\n");
  absl::StatusOr<std::vector<std::string>> argv = LoadCommandLine(kFile, node, "unused");
  ASSERT_TRUE(argv.ok()) << argv.status();
  EXPECT_THAT(*argv, ElementsAre("C:\\tools\\x.exe", "--port", "12001"));
}

TEST(YamlReadersTest, CommandLineMistakesNameTheLine) {
  const absl::Status missing =
      LoadCommandLine(kFile, YAML::Load("name: x\nenv: {}\n"), "a process needs one").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(missing), "agent.yaml:1: command: a process needs one");
  EXPECT_EQ(Message(LoadCommandLine(kFile, YAML::Load("command: []\n"), "needed").status()),
            "agent.yaml:1: command: needed");
  EXPECT_EQ(Message(LoadCommandLine(kFile, YAML::Load("command: /bin/x\n"), "needed").status()),
            "agent.yaml:1: command: needed");
  EXPECT_EQ(
      Message(LoadCommandLine(kFile, YAML::Load("name: x\ncommand: [/bin/x, [a]]\n"), "needed")
                  .status()),
      "agent.yaml:2: command: expected a string");
  EXPECT_EQ(
      Message(
          LoadCommandLine(kFile, YAML::Load("name: x\ncommand: [bin/x, -v]\n"), "needed").status()),
      "agent.yaml:2: command: the program 'bin/x' must be an absolute path (/…, C:\\…, "
      "\\\\server\\share\\…)");
}

TEST(YamlReadersTest, EnvIsAMappingOfStringsAndEmptyWhenAbsent) {
  absl::StatusOr<std::map<std::string, std::string>> env =
      LoadEnv(kFile, YAML::Load("env: {ASPNET_ENV: Production, PORT: 12001}\n"));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_THAT(*env, ElementsAre(Pair("ASPNET_ENV", "Production"), Pair("PORT", "12001")));
  env = LoadEnv(kFile, YAML::Load("name: x\n"));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_TRUE(env->empty());
  EXPECT_EQ(Message(LoadEnv(kFile, YAML::Load("name: x\nenv: [A, B]\n")).status()),
            "agent.yaml:2: env: expected a mapping of NAME: value");
  EXPECT_EQ(Message(LoadEnv(kFile, YAML::Load("env:\n  A: [1]\n")).status()),
            "agent.yaml:2: A: expected a string");
}

TEST(YamlReadersTest, DurationsAsPeopleTypeThem) {
  const YAML::Node node = YAML::Load("a: 1h30m\nb: 500ms\nc: soon\nd: -2s\ne: [1s]\n");
  EXPECT_EQ(*LoadDuration(kFile, node["a"], "a"), absl::Minutes(90));
  EXPECT_EQ(*LoadDuration(kFile, node["b"], "b"), absl::Milliseconds(500));
  const absl::Status bad = LoadDuration(kFile, node["c"], "timeout").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(bad),
            "agent.yaml:3: timeout: 'soon' is not a duration (use e.g. 500ms, 10s, 5m, 1h30m)");
  EXPECT_EQ(Message(LoadDuration(kFile, node["d"], "deadline").status()),
            "agent.yaml:4: deadline: '-2s' is negative");
  EXPECT_EQ(Message(LoadDuration(kFile, node["e"], "poll_interval").status()),
            "agent.yaml:5: poll_interval: expected a string");
}

}  // namespace
}  // namespace osfleet

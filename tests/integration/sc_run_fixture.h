// The `osctl sc run` tests' fixture: the Deployment Controller's agent (with the fake
// Configuration Tool when asked) in front of the fake Service Center (a real HTTP server,
// in one of its failure modes), osctl against it, and the encrypted password to look for.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/harness.h"
#include "tests/integration/memory_bound.h"

namespace osfleet::testing {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "osfleet-admin";
constexpr char kHash[] = "Zx9SecretHashValue0123456789abcdef";  // the encrypted password

struct ScSetup {
  std::string mode = "ok";
  std::string url;                     // default: the fake's
  std::vector<std::string> fake_args;  // more flags for the fake Service Center
  std::string sc_keys;                 // more service_center: keys ("  republish: all\n")
  bool tool = false;                   // a configuration_tool: that runs the fake tool
  std::string password_key = "password_hash_file";  // its old name: still read
};

class ScRunTest : public ::testing::Test {
 protected:
  // Starts the fake in `mode` and an agent configured to use it (or `url` if given).
  void Start(const std::string& mode, const std::string& url = "") {
    ScSetup setup;
    setup.mode = mode;
    setup.url = url;
    Start(setup);
  }
  void Start(const ScSetup& setup) {
    ASSERT_TRUE(StartFake(setup));
    agent_ = std::make_unique<Agent>(dir(), WriteAgentConfig(setup));
    ASSERT_TRUE(agent_->WaitReady()) << ReadFile(agent_->log());
    inventory_ = WriteInventory(tmp_.Sub("inventory.yaml"),
                                {{"dc01", agent_->address(), "deployment_controller"}});
  }
  // With the fake tool, and the fake Service Center flagging Module2 (6) and Module5 (13)
  // once settings are applied (and answering 503 twice while the services "restart").
  void StartWithTool(const std::string& sc_keys = "", int unavailable = 2) {
    ScSetup setup;
    setup.tool = true;
    setup.sc_keys = sc_keys;
    setup.password_key = "password_encrypted_file";
    setup.fake_args = {"--settings-applied-file",      applied_,
                       "--flag-after-settings",        "Module2:6,Module5:13",
                       "--unavailable-after-settings", std::to_string(unavailable)};
    Start(setup);
  }

  bool StartFake(const ScSetup& setup) {
    const std::string fake_dir = tmp_.Sub("sc");
    mkdir(fake_dir.c_str(), 0755);
    request_log_ = fake_dir + "/requests.jsonl";
    std::vector<std::string> argv = {
        "/usr/bin/python3", std::string(OSFLEET_SOURCE_DIR) + "/tests/fakes/fake_service_center.py",
        "--port-file",      fake_dir + "/port",
        "--user",           kUser,
        "--hash",           kHash,
        "--mode",           setup.mode,
        "--request-log",    request_log_};
    argv.insert(argv.end(), setup.fake_args.begin(), setup.fake_args.end());
    fake_ = std::make_unique<ChildProcess>(argv, fake_dir + "/fake.log");
    return WaitFor([&] { return absl::SimpleAtoi(ReadFile(fake_dir + "/port"), &sc_port_); },
                   absl::Seconds(20));
  }

  std::string dir() const { return tmp_.Sub("dc01"); }

  // Writes dc01's agent.yaml (and its encrypted password file); the options to start it.
  AgentOptions WriteAgentConfig(const ScSetup& setup) {
    mkdir(dir().c_str(), 0755);
    WriteFile(dir() + "/sc.encrypted", absl::StrCat("#", kHash, "\n"));
    chmod((dir() + "/sc.encrypted").c_str(), 0600);
    std::string yaml = absl::StrCat(
        "service_center:\n  driver: http\n  url: ",
        setup.url.empty() ? absl::StrCat("http://127.0.0.1:", sc_port_) : setup.url,
        "\n  user: ", kUser, "\n  ", setup.password_key, ": ", dir(),
        "/sc.encrypted\n  poll_interval: 20ms\n  request_timeout: 5s\n", setup.sc_keys);
    if (setup.tool) {
      absl::StrAppend(&yaml, "configuration_tool:\n  command: [\"", BinDir(),
                      "/osfleet-fake-configuration-tool\", \"--hsconf=", dir(),
                      "/server.hsconf\", \"--record=", record_, "\", \"--log=", tool_log_,
                      "\", \"--fail-file=", fail_file_, "\", \"--settings-applied-file=", applied_,
                      "\"]\n  timeout: 30s\n  log_file: ", tool_log_, "\n");
    }
    WriteFile(dir() + "/agent.yaml", yaml);
    AgentOptions options{"dc01", "deployment_controller", "sqlserver-dc.hsconf"};
    options.extra_args = {"--config", dir() + "/agent.yaml"};
    return options;
  }

  // The fake tool's runs, oldest first.
  std::vector<nlohmann::json> ToolRuns() {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(record_), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(std::string(line)));
    }
    return out;
  }

  // The module names of the publishes, in order.
  std::vector<nlohmann::json> Published() {
    std::vector<nlohmann::json> out;
    for (const auto& r : Requests()) {
      if (r.value("op", "") == "Staging_PublishWith2StepOption" && r["status"] == 200) {
        out.push_back(r["modules"]);
      }
    }
    return out;
  }

  ProcessResult Sc(std::vector<std::string> args) {
    args.insert(args.begin(), {"--inventory", inventory_, "--insecure", "sc", "run"});
    ProcessResult r = RunOsctl(args);
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kHash)));
    return r;
  }

  std::vector<nlohmann::json> Requests() {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(request_log_), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(std::string(line)));
    }
    return out;
  }

  int Count(const std::string& op) {
    int n = 0;
    for (const auto& r : Requests()) n += r.value("op", "") == op ? 1 : 0;
    return n;
  }

  void TearDown() override {
    if (agent_) {
      EXPECT_THAT(ReadFile(agent_->log()), Not(HasSubstr(kHash)));
    }
  }

  TempDir tmp_;
  const std::string record_ = tmp_.Sub("tool.jsonl"), tool_log_ = tmp_.Sub("tool.log");
  const std::string fail_file_ = tmp_.Sub("tool-fails"), applied_ = tmp_.Sub("settings-applied");
  std::unique_ptr<ChildProcess> fake_;
  std::unique_ptr<Agent> agent_;
  std::string inventory_, request_log_;
  int sc_port_ = 0;
};

}  // namespace osfleet::testing

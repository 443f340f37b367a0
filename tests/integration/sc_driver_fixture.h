// The Service Center driver tests' fixture: the fake Service Center
// (tests/fakes/fake_service_center.py) as a real process, the fake Configuration Tool for
// Apply Settings, and an http driver over both; the events each phase reported.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/service_center/command_driver.h"
#include "agent/service_center/http_driver.h"
#include "tests/integration/harness.h"

namespace osfleet::testing {

using agent::CommandDriverConfig;
using agent::CommandPhaseDriver;
using agent::HttpDriverConfig;
using agent::HttpPhaseDriver;
using agent::PhaseEvent;
using agent::PhaseOptions;
using agent::PhaseResult;
using agent::PublishMessageType;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "osfleet-admin";
constexpr char kHash[] = "Zq8dF3kP0hashVALUE9x";  // the encrypted password: "#" + this

// The fake Service Center as a real process on 127.0.0.1:0.
class FakeServiceCenter {
 public:
  FakeServiceCenter(const std::string& dir, const std::string& mode,
                    const std::vector<std::string>& extra = {})
      : port_file_(dir + "/sc.port"), request_log_(dir + "/sc-requests.jsonl") {
    std::vector<std::string> argv = {
        "/usr/bin/python3", std::string(OSFLEET_SOURCE_DIR) + "/tests/fakes/fake_service_center.py",
        "--port-file",      port_file_,
        "--user",           kUser,
        "--hash",           kHash,
        "--mode",           mode,
        "--request-log",    request_log_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(argv, dir + "/sc.log");
  }
  bool WaitReady() {
    return WaitFor([this] { return absl::SimpleAtoi(ReadFile(port_file_), &port_) && port_ > 0; },
                   absl::Seconds(20));
  }
  std::string Url(const std::string& scheme = "http") const {
    return absl::StrCat(scheme, "://127.0.0.1:", port_);
  }
  // The requests it has logged so far, oldest first.
  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(request_log_), '\n')) {
      nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
      if (!j.is_discarded()) out.push_back(std::move(j));
    }
    return out;
  }
  nlohmann::json First(const std::string& op) const {
    for (nlohmann::json& r : Requests()) {
      if (r["op"] == op) return r;
    }
    return nullptr;
  }
  int Count(const std::string& op) const {
    int n = 0;
    for (const nlohmann::json& r : Requests()) n += r["op"] == op ? 1 : 0;
    return n;
  }
  // The fake logs a request just after answering it: wait for the line.
  bool AwaitCount(const std::string& op, int at_least) const {
    return WaitFor([&] { return Count(op) >= at_least; }, absl::Seconds(10));
  }

 private:
  std::string port_file_, request_log_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

class ScDriverTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteHash(absl::StrCat("#", kHash, "\n"), 0600); }

  void WriteHash(const std::string& content, mode_t mode) {
    hash_file_ = tmp_.Sub("sc.hash");
    WriteFile(hash_file_, content);
    chmod(hash_file_.c_str(), mode);
  }

  FakeServiceCenter& StartFake(const std::string& mode,
                               const std::vector<std::string>& extra = {}) {
    fake_ = std::make_unique<FakeServiceCenter>(tmp_.path(), mode, extra);
    EXPECT_TRUE(fake_->WaitReady()) << ReadFile(tmp_.Sub("sc.log"));
    return *fake_;
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

  absl::StatusOr<PhaseResult> Run(agent::PhaseDriver& driver, const PhaseOptions& options = {}) {
    events_.clear();
    wire_.reset();
    absl::StatusOr<PhaseResult> result = driver.Run(options, [this](const PhaseEvent& e) {
      if (e.kind != PhaseEvent::Kind::kWire) {
        events_.push_back(e);
      } else {
        EXPECT_FALSE(wire_.has_value()) << "a second wire event";
        wire_ = e;
      }
    });
    ExpectNoSecret(result.status().ToString());
    for (const PhaseEvent& e : events_) {
      ExpectNoSecret(absl::StrCat(e.message.message, " ", e.message.detail, " ", e.reason));
    }
    return result;
  }

  absl::StatusOr<PhaseResult> RunHttp(const std::string& url, const PhaseOptions& options = {}) {
    HttpPhaseDriver driver(Config(url));
    return Run(driver, options);
  }

  static void ExpectNoSecret(const std::string& text) { EXPECT_THAT(text, Not(HasSubstr(kHash))); }

  // The fake Configuration Tool: /ApplySettingsFactory touches settings_applied_, which
  // makes the fake Service Center flag modules; it fails while fail_file_ exists.
  agent::ConfigurationToolConfig FakeTool() {
    CopyFile(FixturePath("sqlserver-dc.hsconf"), tmp_.Sub("server.hsconf"));
    agent::ConfigurationToolConfig tool;
    tool.command = {BinDir() + "/osfleet-fake-configuration-tool",
                    "--hsconf=" + tmp_.Sub("server.hsconf"),
                    "--record=" + tool_record_,
                    "--log=" + tool_log_,
                    "--fail-file=" + fail_file_,
                    "--settings-applied-file=" + settings_applied_};
    tool.log_file = tool_log_;
    tool.timeout = absl::Seconds(30);
    return tool;
  }
  HttpDriverConfig ApplyingConfig(const std::string& url, agent::Republish republish) {
    HttpDriverConfig c = Config(url);
    c.apply_settings = agent::ApplySettings::kConfigurationTool;
    c.republish = republish;
    c.configuration_tool = FakeTool();
    return c;
  }
  // The fake flags Module2 (6) and Module5 (13) once settings are applied.
  FakeServiceCenter& StartFlaggingFake(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--settings-applied-file", settings_applied_,
                                     "--flag-after-settings", "Module2:6,Module5:13"};
    args.insert(args.end(), extra.begin(), extra.end());
    return StartFake("ok", args);
  }
  std::vector<nlohmann::json> ToolRuns() const {
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(ReadFile(tool_record_), '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }
  std::vector<PhaseEvent::Kind> Kinds() const {
    std::vector<PhaseEvent::Kind> kinds;
    for (const PhaseEvent& e : events_) {
      if (e.kind != PhaseEvent::Kind::kMessage) kinds.push_back(e.kind);
    }
    return kinds;
  }
  static std::vector<std::string> Names(const std::vector<agent::ScModule>& modules) {
    std::vector<std::string> names;
    for (const agent::ScModule& m : modules) names.push_back(m.name);
    return names;
  }

  int CountEvents(PhaseEvent::Kind kind) const {
    int n = 0;
    for (const PhaseEvent& e : events_) n += e.kind == kind ? 1 : 0;
    return n;
  }

  TempDir tmp_;
  std::string hash_file_;
  const std::string tool_record_ = tmp_.Sub("tool.jsonl"), tool_log_ = tmp_.Sub("tool.log");
  const std::string fail_file_ = tmp_.Sub("tool-fails"),
                    settings_applied_ = tmp_.Sub("settings-applied");
  std::unique_ptr<FakeServiceCenter> fake_;
  std::vector<PhaseEvent> events_;  // all but the wire event
  std::optional<PhaseEvent> wire_;  // the wire event (kWire), first of every http phase
};

}  // namespace osfleet::testing

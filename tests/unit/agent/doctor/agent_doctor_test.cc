// AgentDoctor over real files and services (process backend), with an injected clock: the
// rows it answers, in order, and that asking changes nothing.
#include "agent/doctor/agent_doctor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace osfleet::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class AgentDoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    std::filesystem::copy_file(absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/sqlserver-dc.hsconf"),
                               Hsconf());
    config_.insecure = true;
    config_.hsconf_path = Hsconf();
    config_.state_dir = dir_;
  }
  std::string Hsconf() const { return dir_ + "/server.hsconf"; }
  ServiceManager Services(const std::string& program) {
    ServiceConfig c;
    c.name = "OutSystems Deployment Service";
    c.command = {program, "60"};
    std::vector<std::unique_ptr<ServiceBackend>> backends;
    backends.push_back(*MakeServiceBackend(c, dir_ + "/state"));
    return ServiceManager(std::move(backends), absl::ZeroDuration());
  }
  std::vector<CheckRow> Run(ServiceManager& services) {
    HsconfStore store(Hsconf(), nullptr);
    AgentDoctor doctor(&config_, &store, &services, nullptr, dir_, &clock_);
    return doctor.Run(clock_.Now() + absl::Seconds(10), CancelToken());
  }

  testing::TempDir tmp_;  // declared first: removed after what uses it
  std::string dir_;
  AgentConfig config_;
  testing::FakeClock clock_;
};

std::vector<std::string> Names(const std::vector<CheckRow>& rows) {
  std::vector<std::string> out;
  for (const CheckRow& r : rows) out.push_back(r.check);
  return out;
}

const CheckRow& Row(const std::vector<CheckRow>& rows, const std::string& check) {
  for (const CheckRow& r : rows) {
    if (r.check == check) return r;
  }
  static const CheckRow none{"(none)", CheckLevel::kFail, ""};
  return none;
}

TEST_F(AgentDoctorTest, EveryRowInOrderAndNothingChanged) {
  const std::string before = ReadAll(Hsconf());
  ServiceManager services = Services("/bin/sleep");
  const std::vector<CheckRow> rows = Run(services);
  EXPECT_THAT(Names(rows),
              ElementsAre("hsconf.parsed", "hsconf.writable", "hsconf.advanced_settings",
                          "state_dir.space", "services.OutSystems Deployment Service",
                          "configuration_tool", "agent.certificate"));
  EXPECT_EQ(Row(rows, "hsconf.parsed").level, CheckLevel::kOk);
  EXPECT_EQ(Row(rows, "hsconf.writable").level, CheckLevel::kOk);
  EXPECT_EQ(Row(rows, "configuration_tool").level, CheckLevel::kOk);
  // Known (its program is there) but never started: a warning, and still not started.
  EXPECT_EQ(Row(rows, "services.OutSystems Deployment Service").level, CheckLevel::kWarn);
  EXPECT_EQ(services.List()[0].state, ServiceState::kStopped);
  EXPECT_EQ(ReadAll(Hsconf()), before);
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    left.push_back(e.path().filename().string());
  }
  EXPECT_THAT(left, ::testing::UnorderedElementsAre("server.hsconf", "state"));
}

TEST_F(AgentDoctorTest, MissingServiceProgramAndToolFailNamingThePath) {
  ServiceManager services = Services(dir_ + "/missing-service");
  ConfigurationToolConfig tool;
  tool.command = {dir_ + "/ConfigurationTool.com"};
  config_.configuration_tool = tool;
  const std::vector<CheckRow> rows = Run(services);
  const CheckRow& service = Row(rows, "services.OutSystems Deployment Service");
  EXPECT_EQ(service.level, CheckLevel::kFail);
  EXPECT_THAT(service.reason, HasSubstr(dir_ + "/missing-service"));
  const CheckRow& t = Row(rows, "configuration_tool");
  EXPECT_EQ(t.level, CheckLevel::kFail);
  EXPECT_THAT(t.reason, HasSubstr(dir_ + "/ConfigurationTool.com cannot be run"));
}

TEST_F(AgentDoctorTest, UnreadableHsconfFailsAndTheOtherRowsStillCome) {
  std::filesystem::remove(Hsconf());
  ServiceManager services = Services("/bin/sleep");
  const std::vector<CheckRow> rows = Run(services);
  EXPECT_EQ(Row(rows, "hsconf.parsed").level, CheckLevel::kFail);
  EXPECT_THAT(Row(rows, "hsconf.parsed").reason, HasSubstr(Hsconf()));
  EXPECT_EQ(Row(rows, "hsconf.writable").level, CheckLevel::kFail);
  EXPECT_EQ(rows.size(), 7u);
}

}  // namespace
}  // namespace osfleet::agent

// The agent as a Windows service, on Wine's Service Control Manager: registered, started,
// reporting running, stopped by the SCM with the reason reaching StopSignal, a failing
// start reported with its exit code, updated in place, removed. The service is this test
// program run with --child=service (child_modes.cc).
#include "common/platform/os_service.h"

#include <chrono>
#include <string>

#include "common/platform/default_paths.h"
#include "common/platform/windows/service_control.h"
#include "gtest/gtest.h"
#include "tests/windows/platform/child_modes.h"
#include "tests/windows/platform/temp_dir.h"

namespace osfleet::platform::testing {
namespace {

using std::chrono::seconds;

class WindowsService : public ::testing::Test {
 protected:
  void TearDown() override { (void)UninstallService(name_, seconds(30)); }

  ServiceRegistration Registration(const std::string& code) const {
    return ServiceRegistration{name_,
                               name_ + " (osfleet test)",
                               "started by os_service_test",
                               {SelfPath(), "--child=service", name_, report_, code},
                               ""};
  }

  TempDir dir_{"service test"};
  const std::string name_ = "osfleet-test-" + std::to_string(GetCurrentProcessId());
  const std::string report_ = dir_.Sub("report.txt");
};

TEST_F(WindowsService, InstalledStartsReportsRunningAndStopsOnTheScmsStop) {
  Result<Installed> installed = InstallService(Registration("0"));
  ASSERT_TRUE(installed.ok()) << installed.error().Message();
  EXPECT_FALSE(installed->updated);

  const scm::Result started = scm::StartAndWait(name_, std::chrono::seconds(30));
  ASSERT_TRUE(started.ok()) << started.error;
  const scm::ServiceInfo info = scm::Query(name_);
  EXPECT_EQ(info.state, scm::State::kRunning);
  EXPECT_NE(info.pid, 0u);

  const scm::Result stopped = scm::StopAndWait(name_, std::chrono::seconds(30));
  ASSERT_TRUE(stopped.ok()) << stopped.error;
  EXPECT_EQ(ReadRaw(report_), "running\nstopped: the Service Control Manager's stop\n");
  EXPECT_EQ(scm::Query(name_).exit_detail, "") << "a clean stop reports no error";

  Result<bool> removed = UninstallService(name_, seconds(30));
  ASSERT_TRUE(removed.ok()) << removed.error().Message();
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(scm::Query(name_).result.ok()) << "still registered after uninstall";
  Result<bool> again = UninstallService(name_, seconds(30));
  ASSERT_TRUE(again.ok()) << again.error().Message();
  EXPECT_FALSE(*again) << "nothing to remove the second time";
}

TEST_F(WindowsService, AStartThatFailsIsReportedWithItsExitCode) {
  ASSERT_TRUE(InstallService(Registration("3")).ok());
  const scm::Result started = scm::StartAndWait(name_, std::chrono::seconds(30));
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error.find("service-specific exit code 3"), std::string::npos) << started.error;
}

TEST_F(WindowsService, InstallingAgainUpdatesTheRegisteredService) {
  ASSERT_TRUE(InstallService(Registration("3")).ok());
  Result<Installed> updated = InstallService(Registration("0"));
  ASSERT_TRUE(updated.ok()) << updated.error().Message();
  EXPECT_TRUE(updated->updated);
  const scm::Result started = scm::StartAndWait(name_, std::chrono::seconds(30));
  EXPECT_TRUE(started.ok()) << "the updated arguments were not used: " << started.error;
}

TEST(WindowsServiceConsole, RunAsServiceFromAConsoleSaysHowToStartIt) {
  Result<int> ran = RunAsService("osagent", [](const std::function<void()>&) { return 0; });
  ASSERT_FALSE(ran.ok());
  EXPECT_EQ(ran.error().code, make_error_code(Errc::kInvalidArgument));
  EXPECT_NE(ran.error().Message().find("sc start osagent"), std::string::npos)
      << ran.error().Message();
}

TEST(WindowsServiceConsole, ProgramPathAndAbsolutePath) {
  Result<std::string> self = ProgramPath();
  ASSERT_TRUE(self.ok()) << self.error().Message();
  EXPECT_EQ(*self, SelfPath());
  TempDir dir("abs é");
  ASSERT_TRUE(SetCurrentDirectoryW(win::Wide(dir.path()).c_str()));
  Result<std::string> absolute = AbsolutePath("agent.yaml");
  ASSERT_TRUE(absolute.ok()) << absolute.error().Message();
  EXPECT_EQ(*absolute, dir.Sub("agent.yaml"));
  SetCurrentDirectoryW(L"C:\\");
}

TEST(WindowsDefaultPaths, ThePlatformServerFolderComesFromTheRegistry) {
  HKEY key = nullptr;
  ASSERT_EQ(RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\OutSystems\\Installer\\Server", 0,
                            nullptr, 0, KEY_SET_VALUE, nullptr, &key, nullptr),
            ERROR_SUCCESS);
  const std::wstring folder = L"D:\\OutSystems\\Plateforme Serveur é\\";
  ASSERT_EQ(RegSetValueExW(key, nullptr, 0, REG_SZ, reinterpret_cast<const BYTE*>(folder.c_str()),
                           static_cast<DWORD>((folder.size() + 1) * sizeof(wchar_t))),
            ERROR_SUCCESS);
  RegCloseKey(key);
  const AgentPaths& paths = DefaultAgentPaths();
  RegDeleteTreeW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\OutSystems");
  EXPECT_EQ(paths.hsconf, "D:\\OutSystems\\Plateforme Serveur é\\server.hsconf");
  EXPECT_EQ(paths.state_dir, "C:\\ProgramData\\osfleet");
  EXPECT_EQ(paths.config, "C:\\ProgramData\\osfleet\\agent.yaml");
  EXPECT_EQ(paths.service_log, "C:\\ProgramData\\osfleet\\logs\\osagent.log");
}

}  // namespace
}  // namespace osfleet::platform::testing

// The Windows side of common/platform/default_paths.h's PlatformServerVersion: the "Server"
// value of HKLM\SOFTWARE\OutSystems\Installer\Server (what OutSystems.SetupTools'
// GetServerVersion reads), in UTF-8, read afresh on every call, empty when absent.
// (DefaultAgentPaths, computed once per process, is tested in os_service_test.cc.)
#include "common/platform/default_paths.h"

#include <string>

#include "common/platform/windows/win32.h"
#include "gtest/gtest.h"

namespace osfleet::platform::testing {
namespace {

constexpr wchar_t kInstallerKey[] = L"SOFTWARE\\OutSystems\\Installer\\Server";

class WindowsPlatformServerVersion : public ::testing::Test {
 protected:
  void SetUp() override { RegDeleteTreeW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\OutSystems"); }
  void TearDown() override { RegDeleteTreeW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\OutSystems"); }

  // Writes `value` (nullptr: the key's default value) as a string of `type`.
  static void SetString(const wchar_t* value, const std::wstring& text, DWORD type = REG_SZ) {
    HKEY key = nullptr;
    ASSERT_EQ(RegCreateKeyExW(HKEY_LOCAL_MACHINE, kInstallerKey, 0, nullptr, 0, KEY_SET_VALUE,
                              nullptr, &key, nullptr),
              ERROR_SUCCESS);
    const LONG set =
        RegSetValueExW(key, value, 0, type, reinterpret_cast<const BYTE*>(text.c_str()),
                       static_cast<DWORD>((text.size() + 1) * sizeof(wchar_t)));
    RegCloseKey(key);
    ASSERT_EQ(set, ERROR_SUCCESS);
  }

  static void SetDword(const wchar_t* value, DWORD number) {
    HKEY key = nullptr;
    ASSERT_EQ(RegCreateKeyExW(HKEY_LOCAL_MACHINE, kInstallerKey, 0, nullptr, 0, KEY_SET_VALUE,
                              nullptr, &key, nullptr),
              ERROR_SUCCESS);
    const LONG set = RegSetValueExW(key, value, 0, REG_DWORD,
                                    reinterpret_cast<const BYTE*>(&number), sizeof(number));
    RegCloseKey(key);
    ASSERT_EQ(set, ERROR_SUCCESS);
  }
};

TEST_F(WindowsPlatformServerVersion, ComesFromTheInstallersServerValue) {
  SetString(nullptr, L"D:\\OutSystems\\Plateforme Serveur é\\");  // the folder, not the version
  SetString(L"Server", L"11.26.0.41111");
  EXPECT_EQ(PlatformServerVersion(), "11.26.0.41111");
}

TEST_F(WindowsPlatformServerVersion, IsReadAfreshAndArrivesAsUtf8) {
  SetString(L"Server", L"11.26.0.41111");
  ASSERT_EQ(PlatformServerVersion(), "11.26.0.41111");
  // An upgrade under a running agent: the next call sees the new value.
  SetString(L"Server", L"11.27.0.43234 (é)");
  EXPECT_EQ(PlatformServerVersion(), "11.27.0.43234 (\xC3\xA9)");
}

TEST_F(WindowsPlatformServerVersion, AnExpandableStringIsExpanded) {
  SetString(L"Server", L"11.27.0.%OSFLEET_TEST_BUILD%", REG_EXPAND_SZ);
  ASSERT_TRUE(SetEnvironmentVariableW(L"OSFLEET_TEST_BUILD", L"43234"));
  const std::string version = PlatformServerVersion();
  SetEnvironmentVariableW(L"OSFLEET_TEST_BUILD", nullptr);
  EXPECT_EQ(version, "11.27.0.43234");
}

TEST_F(WindowsPlatformServerVersion, EmptyWhenNoKeyNoValueOrNotAString) {
  EXPECT_EQ(PlatformServerVersion(), "");
  SetString(nullptr, L"C:\\Program Files\\OutSystems\\Platform Server");
  EXPECT_EQ(PlatformServerVersion(), "");
  SetString(L"Server", L"");
  EXPECT_EQ(PlatformServerVersion(), "");
  SetDword(L"Server", 11);
  EXPECT_EQ(PlatformServerVersion(), "");
}

}  // namespace
}  // namespace osfleet::platform::testing

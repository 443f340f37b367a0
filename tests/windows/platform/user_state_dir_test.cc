// osctl's state on Windows (common/platform/user_state_dir.h, state_move.h, console.h):
// the known folder LocalAppData with no HOME set, the old places an older osctl used, the
// one-time move from C:\tmp\.local\state\osfleet, and the console calls under Wine.
#include "common/platform/user_state_dir.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/platform/child_process.h"
#include "common/platform/console.h"
#include "common/platform/files.h"
#include "common/platform/owner_only.h"
#include "common/platform/state_move.h"
#include "common/platform/windows/win32.h"
#include "gtest/gtest.h"
#include "tests/windows/platform/child_modes.h"
#include "tests/windows/platform/temp_dir.h"

#include <knownfolders.h>
#include <shlobj.h>

namespace osfleet::platform::testing {
namespace {

// Sets (nullopt: removes) a variable of this process's environment for one test.
class ScopedEnv {
 public:
  ScopedEnv(const wchar_t* name, std::optional<std::wstring> value) : name_(name) {
    wchar_t buffer[32767];
    const DWORD n = GetEnvironmentVariableW(name, buffer, 32767);
    if (n > 0 && n < 32767) old_ = std::wstring(buffer, n);
    SetEnvironmentVariableW(name, value ? value->c_str() : nullptr);
  }
  ~ScopedEnv() { SetEnvironmentVariableW(name_, old_ ? old_->c_str() : nullptr); }

 private:
  const wchar_t* name_;
  std::optional<std::wstring> old_;
};

// A plain osctl run from cmd.exe: no HOME, no XDG_STATE_HOME, no OSFLEET_STATE_DIR.
struct NoUnixEnvironment {
  ScopedEnv home{L"HOME", std::nullopt};
  ScopedEnv xdg{L"XDG_STATE_HOME", std::nullopt};
  ScopedEnv state{L"OSFLEET_STATE_DIR", std::nullopt};
};

std::string KnownLocalAppData() {
  wchar_t* path = nullptr;
  EXPECT_EQ(SHGetKnownFolderPath(FOLDERID_LocalAppData, 0, nullptr, &path), S_OK);
  const std::string folder = path != nullptr ? win::Utf8(path) : std::string();
  CoTaskMemFree(path);
  return folder;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

TEST(WindowsUserStateDir, WithoutHomeItIsUnderTheUsersLocalAppData) {
  NoUnixEnvironment env;
  Result<std::string> dir = UserStateDir();
  ASSERT_TRUE(dir.ok()) << dir.error().Message();
  EXPECT_EQ(*dir, KnownLocalAppData() + "\\osfleet");
  // Wine's prefix: C:\users\<user>\AppData\Local (Windows: C:\Users\<user>\AppData\Local).
  EXPECT_EQ(Lower(*dir).rfind("c:\\users\\", 0), 0u) << *dir;
  EXPECT_NE(Lower(*dir).find("\\appdata\\local\\osfleet"), std::string::npos) << *dir;
}

TEST(WindowsUserStateDir, HomeAndXdgPlayNoPartOsfleetStateDirWins) {
  NoUnixEnvironment env;
  ScopedEnv home(L"HOME", L"C:\\cygwin\\home\\op");
  ScopedEnv xdg(L"XDG_STATE_HOME", L"C:\\cygwin\\home\\op\\.state");
  ASSERT_TRUE(UserStateDir().ok());
  EXPECT_EQ(*UserStateDir(), KnownLocalAppData() + "\\osfleet");
  ScopedEnv state(L"OSFLEET_STATE_DIR", L"D:\\osctl \xE9tat");
  EXPECT_EQ(*UserStateDir(), "D:\\osctl \xC3\xA9tat");
  EXPECT_TRUE(OldUserStateDirs().empty());  // honoured before too: nothing moved
}

TEST(WindowsUserStateDir, TheOldPlacesAreWhereOsctlPutThemBefore) {
  NoUnixEnvironment env;
  // Without HOME: "/tmp/.local/state/osfleet" as Windows resolves it (the current drive;
  // Wine maps a path starting with '/' to the Unix one, Z:\tmp), and on the system drive.
  const std::vector<std::string> no_home = OldUserStateDirs();
  ASSERT_FALSE(no_home.empty());
  for (const std::string& dir : no_home) {
    EXPECT_EQ(dir.substr(1), ":\\tmp\\.local\\state\\osfleet") << dir;
  }
  EXPECT_EQ(no_home.back(), "C:\\tmp\\.local\\state\\osfleet");
  ScopedEnv home(L"HOME", L"C:\\Users\\\x0141ucja");  // Łucja (Git Bash sets HOME)
  ScopedEnv xdg(L"XDG_STATE_HOME", L"C:\\st");
  std::vector<std::string> expected = {"C:\\st\\osfleet",
                                       "C:\\Users\\\xC5\x81ucja\\.local\\state\\osfleet"};
  expected.insert(expected.end(), no_home.begin(), no_home.end());
  EXPECT_EQ(OldUserStateDirs(), expected);
}

TEST(WindowsUserStateDir, JournalsInCTmpMoveToLocalAppDataOnce) {
  NoUnixEnvironment env;
  const std::string old_rollouts = "C:\\tmp\\.local\\state\\osfleet\\rollouts";
  ASSERT_TRUE(MakeDirs(old_rollouts, 0700).ok());
  WriteRaw(old_rollouts + "\\20261127-020301-3f9a.json", "{\"id\": \"20261127-020301-3f9a\"}\n");
  ASSERT_TRUE(SetFileMode(old_rollouts + "\\20261127-020301-3f9a.json", 0600).ok());

  const std::string state = *UserStateDir();
  Result<std::vector<std::string>> lines =
      MoveOldJournals(OldUserStateDirs(), state, std::chrono::seconds(10));
  ASSERT_TRUE(lines.ok()) << lines.error().Message();
  EXPECT_EQ(*lines,
            std::vector<std::string>{"moved 1 rollout journal from " + old_rollouts + " to " +
                                     state + "\\rollouts (where osctl keeps them now)"});
  const std::string moved = state + "\\rollouts\\20261127-020301-3f9a.json";
  EXPECT_EQ(ReadRaw(moved), "{\"id\": \"20261127-020301-3f9a\"}\n");
  EXPECT_FALSE(Exists(old_rollouts + "\\20261127-020301-3f9a.json"));
  // Created owner-only: the folders a journal is read from are checked like a secret.
  for (const std::string& path : {state, state + "\\rollouts", moved}) {
    Result<std::string> problem = OwnerOnlyProblem(path);
    ASSERT_TRUE(problem.ok()) << problem.error().Message();
    EXPECT_EQ(*problem, "") << path;
  }
  lines = MoveOldJournals(OldUserStateDirs(), state, std::chrono::seconds(10));
  ASSERT_TRUE(lines.ok());
  EXPECT_TRUE(lines->empty());  // once
  DeleteFileW(win::Wide(moved).c_str());
}

TEST(WindowsConsole, APipeGetsNoColourAndTheBytesAsTheyAre) {
  // ctest's pipes, not a console: nothing to switch, no colour, UTF-8 passes through.
  const ConsoleState state = PrepareConsole();
  DWORD mode = 0;
  if (GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) == 0) {
    EXPECT_FALSE(state.stdout_color);
    EXPECT_TRUE(state.utf8_output);
  }
  EXPECT_EQ(PrepareConsole().stdout_color, state.stdout_color);  // once per process
}

TEST(WindowsConsole, TheCommandLineArrivesAsUtf8) {
  // Łódź and 東京: outside every ANSI code page Wine or Windows would give argv.
  const std::string city = "\xC5\x81\xC3\xB3\x64\xC5\xBA", tokyo = "\xE6\x9D\xB1\xE4\xBA\xAC";
  Result<CommandOutcome> outcome = RunCommand(
      CommandSpec{{SelfPath(), "--child=utf8args", city, "with " + tokyo, "plain"}, {}, ""},
      std::chrono::seconds(30));
  ASSERT_TRUE(outcome.ok()) << outcome.error().Message();
  EXPECT_EQ(outcome->output, "[" + city + "]\n[with " + tokyo + "]\n[plain]");
}

TEST(WindowsConsole, AConsoleIsSwitchedToVirtualTerminalAndUtf8) {
  // A child with a console of its own (Wine's conhost without a display): PrepareConsole
  // turns on VT processing and the UTF-8 code page, or says it could not (no colour then).
  TempDir dir;
  const std::string report = dir.Sub("console.txt");
  std::wstring command = win::CommandLine({SelfPath(), "--child=console", report});
  STARTUPINFOW startup = {};
  startup.cb = sizeof(startup);
  PROCESS_INFORMATION info = {};
  ASSERT_TRUE(CreateProcessW(nullptr, command.data(), nullptr, nullptr, FALSE, CREATE_NEW_CONSOLE,
                             nullptr, nullptr, &startup, &info))
      << GetLastError();
  ASSERT_EQ(WaitForSingleObject(info.hProcess, 30000), WAIT_OBJECT_0);
  DWORD code = 1;
  GetExitCodeProcess(info.hProcess, &code);
  CloseHandle(info.hThread);
  CloseHandle(info.hProcess);
  ASSERT_EQ(code, 0u);
  const std::string said = ReadRaw(report);
  int out_color = -1, err_color = -1, utf8 = -1, vt = -1;
  unsigned cp = 1;
  ASSERT_EQ(std::sscanf(said.c_str(), "stdout_color=%d stderr_color=%d utf8=%d cp=%u vt=%d",
                        &out_color, &err_color, &utf8, &cp, &vt),
            5)
      << said;
  // Colour exactly when the console took VT processing (Wine without a display gives the
  // child no console: no colour); a console there is one is switched to UTF-8.
  EXPECT_EQ(out_color, vt) << said;
  EXPECT_EQ(utf8, 1) << said;
  if (cp != 0) EXPECT_EQ(cp, 65001u) << said;
  std::printf("[ console ] %s", said.c_str());
}

}  // namespace
}  // namespace osfleet::platform::testing

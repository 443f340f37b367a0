// osctl's state folder on POSIX: the rules it always had ($OSFLEET_STATE_DIR, then
// $XDG_STATE_HOME/osfleet, then ~/.local/state/osfleet), and no old place to move from.
#include "common/platform/user_state_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "common/platform/console.h"
#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

// Sets (or, with nullopt, unsets) an environment variable for one test, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string StateDir() {
  Result<std::string> dir = UserStateDir();
  EXPECT_TRUE(dir.ok()) << dir.error().Message();
  return dir.ok() ? *dir : std::string();
}

TEST(UserStateDirTest, OsfleetStateDirWinsOverEverything) {
  ScopedEnv state("OSFLEET_STATE_DIR", "/srv/osctl-state");
  ScopedEnv xdg("XDG_STATE_HOME", "/home/op/.state");
  ScopedEnv home("HOME", "/home/op");
  EXPECT_EQ(StateDir(), "/srv/osctl-state");
}

TEST(UserStateDirTest, ThenXdgStateHome) {
  ScopedEnv state("OSFLEET_STATE_DIR", "");  // empty counts as unset
  ScopedEnv xdg("XDG_STATE_HOME", "/home/op/.state");
  ScopedEnv home("HOME", "/home/op");
  EXPECT_EQ(StateDir(), "/home/op/.state/osfleet");
}

TEST(UserStateDirTest, ThenTheHomeFolder) {
  ScopedEnv state("OSFLEET_STATE_DIR", std::nullopt);
  ScopedEnv xdg("XDG_STATE_HOME", std::nullopt);
  ScopedEnv home("HOME", "/home/op");
  EXPECT_EQ(StateDir(), "/home/op/.local/state/osfleet");
}

TEST(UserStateDirTest, WithoutHomeAsBefore) {
  ScopedEnv state("OSFLEET_STATE_DIR", std::nullopt);
  ScopedEnv xdg("XDG_STATE_HOME", std::nullopt);
  ScopedEnv home("HOME", std::nullopt);
  EXPECT_EQ(StateDir(), "/tmp/.local/state/osfleet");
}

TEST(UserStateDirTest, NothingToMoveOnPosix) {
  ScopedEnv state("OSFLEET_STATE_DIR", std::nullopt);
  ScopedEnv home("HOME", std::nullopt);
  EXPECT_TRUE(OldUserStateDirs().empty());
}

// POSIX: the console is left alone; the arguments arrive as given.
TEST(PlatformConsoleTest, PosixArgumentsAreArgvAndColourFollowsTheTerminal) {
  char program[] = "osctl";
  char city[] = "\xC5\x81\xC3\xB3\x64\xC5\xBA";  // Łódź
  char* argv[] = {program, city, nullptr};
  EXPECT_EQ(Utf8Arguments(2, argv), (std::vector<std::string>{"osctl", city}));
  const ConsoleState state = PrepareConsole();
  EXPECT_EQ(state.stdout_color, isatty(1) == 1);
  EXPECT_EQ(state.stderr_color, isatty(2) == 1);
  EXPECT_TRUE(state.utf8_output);
}

}  // namespace
}  // namespace osfleet::platform

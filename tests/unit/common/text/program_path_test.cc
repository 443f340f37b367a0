// One absolute-path rule for every `command:` program, read the same on every OS.
#include "common/text/program_path.h"

#include "gtest/gtest.h"

namespace osfleet {
namespace {

TEST(ProgramPathTest, PosixDriveUncAndLongPathsAreAbsolute) {
  for (const char* p : {"/usr/bin/osfleet-tool", "/x",
                        "C:\\Program Files\\OutSystems\\Platform "
                        "Server\\ConfigurationTool.com",
                        "c:/tools/x.exe", "D:\\x", "\\\\fileserver\\tools\\restart.cmd",
                        "\\\\fs01\\share\\sub\\x.exe", "\\\\?\\C:\\Program Files\\x.exe"}) {
    EXPECT_TRUE(IsAbsoluteProgramPath(p)) << p;
  }
}

TEST(ProgramPathTest, RelativeAndIncompleteFormsAreNot) {
  for (const char* p :
       {"", "/", "ConfigurationTool.com", "bin/x", ".\\x.exe", "C:", "C:\\", "C:x.exe", "1:\\x",
        "\\x.exe", "\\\\", "\\\\server", "\\\\server\\", "\\\\server\\share", "\\\\server\\share\\",
        "\\\\\\share\\x", "\\\\?\\relative\\x", "\\\\?\\"}) {
    EXPECT_FALSE(IsAbsoluteProgramPath(p)) << p;
  }
}

}  // namespace
}  // namespace osfleet

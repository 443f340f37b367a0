// One absolute-path rule for every path taken from a config file as written there (a
// `command:` program, an inventory's TLS files), read the same on every OS.
#include "common/text/absolute_path.h"

#include "gtest/gtest.h"

namespace osfleet {
namespace {

TEST(AbsolutePathTest, PosixDriveUncAndLongPathsAreAbsolute) {
  for (const char* p : {"/usr/bin/osfleet-tool", "/x",
                        "C:\\Program Files\\OutSystems\\Platform "
                        "Server\\ConfigurationTool.com",
                        "c:/tools/x.exe", "D:\\x", "\\\\fileserver\\tools\\restart.cmd",
                        "\\\\fs01\\share\\sub\\x.exe", "\\\\?\\C:\\Program Files\\x.exe"}) {
    EXPECT_TRUE(IsAbsolutePath(p)) << p;
  }
}

TEST(AbsolutePathTest, RelativeAndIncompleteFormsAreNot) {
  for (const char* p :
       {"", "/", "ConfigurationTool.com", "bin/x", ".\\x.exe", "C:", "C:\\", "C:x.exe", "1:\\x",
        "\\x.exe", "\\\\", "\\\\server", "\\\\server\\", "\\\\server\\share", "\\\\server\\share\\",
        "\\\\\\share\\x", "\\\\?\\relative\\x", "\\\\?\\"}) {
    EXPECT_FALSE(IsAbsolutePath(p)) << p;
  }
}

// The cases the rule had to decide (common/text/absolute_path.h says why).
TEST(AbsolutePathTest, DriveRelativeAndBareRootsAreNot) {
  // A drive's root, either separator: a folder, not a program or a file.
  EXPECT_FALSE(IsAbsolutePath("C:\\"));
  EXPECT_FALSE(IsAbsolutePath("C:/"));
  EXPECT_TRUE(IsAbsolutePath("C:/x"));
  // Drive-relative: relative to the current folder of drive C: in the running process.
  EXPECT_FALSE(IsAbsolutePath("C:foo"));
  EXPECT_FALSE(IsAbsolutePath("C:foo\\bar.exe"));
  // Root-relative: the current drive's root.
  EXPECT_FALSE(IsAbsolutePath("\\Tools\\x.exe"));
  // A UNC share is a folder; a file under it is absolute.
  EXPECT_FALSE(IsAbsolutePath("\\\\server\\share"));
  EXPECT_TRUE(IsAbsolutePath("\\\\server\\share\\x.exe"));
  // POSIX: rooted at '/' (and "//host/share/x", which Windows also reads as UNC).
  EXPECT_TRUE(IsAbsolutePath("/opt/os/x"));
  EXPECT_TRUE(IsAbsolutePath("//server/share/x"));
  EXPECT_FALSE(IsAbsolutePath("opt/os/x"));
  EXPECT_FALSE(IsAbsolutePath("./x"));
}

}  // namespace
}  // namespace osfleet

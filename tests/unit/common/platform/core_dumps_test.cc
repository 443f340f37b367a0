// The agent's crash dumps off (issue 26, finding 4): checked in a child process, since the
// change cannot be undone in the test's own.
#include "common/platform/core_dumps.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace osfleet::platform {
namespace {

TEST(CoreDumps, OffMeansNoCoreSizeAndNotDumpable) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!DisableCoreDumps().ok()) _exit(10);
    rlimit core{};
    if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) _exit(11);
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) _exit(12);
    // Nor can it be raised again.
    const rlimit raise{1 << 20, 1 << 20};
    if (setrlimit(RLIMIT_CORE, &raise) == 0 && geteuid() != 0) _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: failed, 11: core size, 12: dumpable, 13: raised";
}

}  // namespace
}  // namespace osfleet::platform

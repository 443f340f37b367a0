#include "common/platform/stop_signal.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace osfleet::platform {
namespace {

// In a child process (blocking signals in the test binary would outlive the test): a
// SIGTERM reaches Wait() on another thread instead of killing the process.
int ExitOfAChildSentSignal(int sig) {
  int ready[2];
  EXPECT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    StopSignal stop;
    std::string request;
    std::thread waiter([&stop, &request] { request = stop.Wait(); });
    const char byte = 'r';
    (void)!write(ready[1], &byte, 1);
    waiter.join();
    _exit(request == "signal " + std::to_string(sig) ? 0 : 1);
  }
  char byte = 0;
  EXPECT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  close(ready[1]);
  kill(child, sig);
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(StopSignalTest, SigtermAndSigintAreStopRequests) {
  EXPECT_EQ(ExitOfAChildSentSignal(SIGTERM), 0);
  EXPECT_EQ(ExitOfAChildSentSignal(SIGINT), 0);
}

}  // namespace
}  // namespace osfleet::platform

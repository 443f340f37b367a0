// The Windows stop request: what the Service Control Manager's handler and the console's
// Ctrl-C handler call ends StopSignal::Wait with the reason.
#include "common/platform/stop_signal.h"

#include <thread>

#include "common/platform/host_info.h"
#include "common/platform/windows/stop_request.h"
#include "gtest/gtest.h"

namespace osfleet::platform::testing {
namespace {

TEST(WindowsStopSignal, ARequestEndsTheWaitWithItsReasonAndTheFirstOneWins) {
  StopSignal stop;
  std::thread requester([] {
    win::RequestStop("the service was asked to stop (SERVICE_CONTROL_STOP)");
    win::RequestStop("a later one");
  });
  EXPECT_EQ(stop.Wait(), "the service was asked to stop (SERVICE_CONTROL_STOP)");
  requester.join();
}

TEST(WindowsHostInfo, NamesWindowsAndTheHost) {
  EXPECT_EQ(OperatingSystem().rfind("Windows ", 0), 0u) << OperatingSystem();
  EXPECT_NE(HostName(), "unknown");
  EXPECT_FALSE(HostName().empty());
}

}  // namespace
}  // namespace osfleet::platform::testing

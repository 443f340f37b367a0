#include "common/platform/stop_signal.h"

#include <pthread.h>
#include <signal.h>

namespace osfleet::platform {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

StopSignal::StopSignal() {
  const sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string StopSignal::Wait() {
  const sigset_t set = StopSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return "signal " + std::to_string(sig);
}

}  // namespace osfleet::platform

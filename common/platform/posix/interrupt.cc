#include "common/platform/interrupt.h"

#include <signal.h>

namespace osfleet::platform {
namespace {

std::atomic<std::atomic<bool>*> g_flag{nullptr};

void OnSignal(int) {
  if (std::atomic<bool>* flag = g_flag.load()) flag->store(true);
}

}  // namespace

void SetFlagOnInterrupt(std::atomic<bool>* flag) {
  g_flag.store(flag);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND;  // the second signal gets the default action
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace osfleet::platform

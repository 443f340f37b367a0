#include "common/platform/test_pause.h"

#include <signal.h>

#include <cstdlib>
#include <cstring>

namespace osfleet::platform {

void PauseIfAsked(const char* point) {
  const char* wanted = std::getenv("OSFLEET_TEST_PAUSE_AT");
  if (wanted != nullptr && std::strcmp(wanted, point) == 0) raise(SIGSTOP);
}

}  // namespace osfleet::platform

// A way for tests to freeze a program at a named point, as a laptop lid or a suspended
// VM would: when the environment variable OSFLEET_TEST_PAUSE_AT names `point`, the
// process stops itself there (SIGSTOP on POSIX; the test sends SIGCONT). Without the
// variable this does nothing.
#pragma once

namespace osfleet::platform {

void PauseIfAsked(const char* point);

}  // namespace osfleet::platform

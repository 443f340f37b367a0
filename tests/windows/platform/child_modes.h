// Child programs for the tests: windows_platform_tests.exe --child=NAME ARGS... runs one
// of them instead of the tests.
#pragma once

namespace osfleet::platform::testing {

// Runs the child mode `name` with its arguments; returns its exit code (2 for an unknown
// mode).
int RunChildMode(const char* name, int argc, char** argv);

// This test program's own path (for starting it as a child).
const char* SelfPath();

}  // namespace osfleet::platform::testing

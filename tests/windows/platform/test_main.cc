// The Windows platform tests' main: GoogleTest, plus the child programs some tests start
// (the same .exe run with --child=NAME, so that no second program has to be built).
#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "tests/windows/platform/child_modes.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--child=", 8) == 0) {
      return osfleet::platform::testing::RunChildMode(argv[i] + 8, argc - i - 1, argv + i + 1);
    }
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// One fresh folder per test (or per fixture), removed with everything in it when the
// TempDir goes: also what a test made unreadable or unwritable on purpose. Every test's
// temporary files live in one (unit and integration tests, the soak and hostile benches).
#pragma once

#include <string>

namespace osfleet::testing {

class TempDir {
 public:
  // Under gtest's temp folder ($TEST_TMPDIR, else /tmp/); a failure to make it fails the
  // test. OSFLEET_KEEP_TEMP set in the environment keeps it afterwards (for a look after a
  // failure; the path is in the test's output).
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace osfleet::testing

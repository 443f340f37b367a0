#include "tests/support/temp_dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "gtest/gtest.h"

namespace osfleet::testing {
namespace {

namespace fs = std::filesystem;

// Gives the owner back every right on `dir` and the folders below it (tests take them away
// to see how the code copes), without following symbolic links out of it.
void MakeRemovable(const fs::path& dir) {
  std::error_code ignored;
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ignored);
  for (fs::directory_iterator it(dir, ignored), end; !ignored && it != end; it.increment(ignored)) {
    if (fs::symlink_status(it->path(), ignored).type() == fs::file_type::directory) {
      MakeRemovable(it->path());
    }
  }
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = ::testing::TempDir() + "osfleet-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "cannot make a temp dir from " << tmpl << ": " << strerror(errno);
    return;
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  if (std::getenv("OSFLEET_KEEP_TEMP") != nullptr) {
    std::cerr << "OSFLEET_KEEP_TEMP: kept " << path_ << "\n";
    return;
  }
  MakeRemovable(path_);
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace osfleet::testing

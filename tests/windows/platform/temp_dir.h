// A fresh folder per test (under %TEMP%), removed with everything in it afterwards; raw
// file access through the Windows API with UTF-8 paths.
#pragma once

#include <string>

#include "common/platform/windows/win32.h"
#include "gtest/gtest.h"

namespace osfleet::platform::testing {

class TempDir {
 public:
  // name_hint lets a test put spaces or non-ASCII letters in the folder's own name.
  explicit TempDir(const std::string& name_hint = "platform test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "\\" + name; }

 private:
  std::string path_;
};

void WriteRaw(const std::string& path, const std::string& bytes);
std::string ReadRaw(const std::string& path);
bool Exists(const std::string& path);

}  // namespace osfleet::platform::testing

#include "tests/support/files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "gtest/gtest.h"

namespace osfleet::testing {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void CopyFile(const std::string& from, const std::string& to) { WriteFile(to, ReadFile(from)); }

unsigned ModeOf(const std::string& path) {
  std::error_code error;
  const std::filesystem::perms perms = std::filesystem::status(path, error).permissions();
  return static_cast<unsigned>(perms) & 07777;
}

void SetMode(const std::string& path, unsigned mode) {
  std::error_code error;
  std::filesystem::permissions(path, static_cast<std::filesystem::perms>(mode), error);
  EXPECT_FALSE(error) << path << ": " << error.message();
}

}  // namespace osfleet::testing

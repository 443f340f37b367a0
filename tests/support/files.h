// Whole-file reads and writes for tests (arrange and inspect; the code under test has its
// own, checked ones), and permission bits.
#pragma once

#include <string>

namespace osfleet::testing {

// The file's bytes; "" when it cannot be read.
std::string ReadFile(const std::string& path);
// Creates or truncates path with exactly these bytes.
void WriteFile(const std::string& path, const std::string& bytes);
void CopyFile(const std::string& from, const std::string& to);

// The permission bits of path (e.g. 0644); 07777 when it cannot be read.
unsigned ModeOf(const std::string& path);
// Sets them; a failure fails the test.
void SetMode(const std::string& path, unsigned mode);

}  // namespace osfleet::testing

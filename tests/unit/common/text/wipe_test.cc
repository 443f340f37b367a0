#include "common/text/wipe.h"

#include <gtest/gtest.h>

#include <string>

namespace osfleet {
namespace {

TEST(Wipe, OverwritesTheWholeBufferAndEmptiesTheString) {
  std::string secret = "a-password-long-enough-for-the-heap";
  const char* buffer = secret.data();
  const size_t capacity = secret.capacity();
  Wipe(secret);
  EXPECT_TRUE(secret.empty());
  ASSERT_EQ(secret.data(), buffer);  // the same buffer: clear() keeps it
  for (size_t i = 0; i < capacity; ++i) EXPECT_EQ(buffer[i], '\0') << i;
}

TEST(Wipe, AlsoWhatAShorterValueLeftBehind) {
  std::string secret = "a-password-long-enough-for-the-heap";
  secret = "short";  // the old bytes stay past the end of the buffer
  const char* buffer = secret.data();
  const size_t capacity = secret.capacity();
  Wipe(secret);
  for (size_t i = 0; i < capacity; ++i) EXPECT_EQ(buffer[i], '\0') << i;
}

TEST(Wipe, EveryValueOfAMap) {
  std::map<std::string, std::string> secrets = {{"db_admin_password", "p1"}, {"x", "p2"}};
  Wipe(secrets);
  EXPECT_TRUE(secrets.empty());
}

}  // namespace
}  // namespace osfleet

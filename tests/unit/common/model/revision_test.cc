#include "common/model/revision.h"

#include <string>

#include "gtest/gtest.h"

namespace osfleet {
namespace {

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256HexTest, CoversEveryByteIncludingNul) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Sha256Hex(with_nul), Sha256Hex("a"));
  EXPECT_EQ(Sha256Hex(with_nul).size(), 64u);
}

TEST(RevisionConflictTest, NamesBothRevisionsInFull) {
  // Two revisions with the same first 12 digits: cut to 12, they would look equal.
  const std::string actual = "0123456789ab" + std::string(52, 'c');
  const std::string expected = "0123456789ab" + std::string(52, 'd');
  const std::string message = RevisionConflict(actual, expected);
  EXPECT_EQ(message, "revision conflict: server.hsconf is at revision " + actual +
                         ", not at the expected " + expected +
                         "; it changed since it was read: read it again");
  EXPECT_EQ(ShortRevision(actual), ShortRevision(expected));  // why tables only
}

}  // namespace
}  // namespace osfleet

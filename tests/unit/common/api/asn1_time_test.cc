// ASN.1 times as certificates and CRLs carry them (UTCTime before 2050, GeneralizedTime
// after) read as UTC instants.
#include "common/api/asn1_time.h"

#include <memory>

#include "gtest/gtest.h"

namespace osfleet {
namespace {

std::optional<absl::Time> Read(const char* text) {
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> t(ASN1_TIME_new(), ASN1_TIME_free);
  EXPECT_EQ(ASN1_TIME_set_string(t.get(), text), 1) << text;
  return Asn1TimeToAbsl(t.get());
}

TEST(Asn1Time, UtcAndGeneralizedTimesAreUtcInstants) {
  EXPECT_EQ(Read("261203094500Z"), absl::FromUnixSeconds(1796291100));
  EXPECT_EQ(Read("20261203094500Z"), absl::FromUnixSeconds(1796291100));
  EXPECT_EQ(Read("19700101000000Z"), absl::UnixEpoch());
  // Past 2038: no 32-bit time_t on the way.
  EXPECT_EQ(Read("20991231235959Z"), absl::FromUnixSeconds(4102444799));
}

TEST(Asn1Time, NullOrUnreadableIsNullopt) {
  EXPECT_EQ(Asn1TimeToAbsl(nullptr), std::nullopt);
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> empty(ASN1_TIME_new(), ASN1_TIME_free);
  EXPECT_EQ(Asn1TimeToAbsl(empty.get()), std::nullopt);
}

}  // namespace
}  // namespace osfleet

#include "common/api/asn1_time.h"

#include <ctime>

#include "absl/time/civil_time.h"

namespace osfleet {

std::optional<absl::Time> Asn1TimeToAbsl(const ASN1_TIME* t) {
  std::tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  const absl::CivilSecond civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec);
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

}  // namespace osfleet

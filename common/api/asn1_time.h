// ASN.1 times (certificate validity, CRL updates) as absl::Time, without the OS's timegm
// (Windows has none): the broken-down UTC time OpenSSL gives is converted by absl.
#pragma once

#include <openssl/asn1.h>

#include <optional>

#include "absl/time/time.h"

namespace osfleet {

// nullopt when t is null or OpenSSL cannot read it.
std::optional<absl::Time> Asn1TimeToAbsl(const ASN1_TIME* t);

}  // namespace osfleet

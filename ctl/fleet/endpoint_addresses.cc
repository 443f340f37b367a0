#include "ctl/fleet/endpoint_addresses.h"

#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/model/address.h"

namespace osfleet {
namespace {

// Each database with its flag and the address given for it.
std::vector<std::tuple<const char*, v1::Database, const std::string*>> Fields(
    const EndpointAddresses& a) {
  return {{"--platform", v1::DATABASE_PLATFORM, &a.platform},
          {"--log", v1::DATABASE_LOGGING, &a.log},
          {"--session", v1::DATABASE_SESSION, &a.session}};
}

}  // namespace

std::vector<v1::EndpointChange> EndpointChanges(const EndpointAddresses& addresses) {
  std::vector<v1::EndpointChange> changes;
  for (auto [flag, database, address] : Fields(addresses)) {
    if (address->empty()) continue;
    v1::EndpointChange& c = changes.emplace_back();
    c.set_database(database);
    c.set_address(*address);
  }
  return changes;
}

absl::StatusOr<std::vector<v1::EndpointChange>> CheckedEndpointChanges(
    const EndpointAddresses& addresses) {
  for (auto [flag, database, address] : Fields(addresses)) {
    if (address->empty()) continue;
    if (absl::Status s = ValidateDatabaseAddress(*address); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": ", s.message()));
    }
  }
  return EndpointChanges(addresses);
}

}  // namespace osfleet

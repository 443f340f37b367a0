// The new database addresses an operator gives (--platform, --log, --session) as the API's
// list of EndpointChange: one conversion for every command that takes them.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet {

struct EndpointAddresses {
  std::string platform, log, session;  // empty: unchanged

  bool empty() const { return platform.empty() && log.empty() && session.empty(); }
};

// The given addresses, in the order platform, log, session; nothing is checked.
std::vector<v1::EndpointChange> EndpointChanges(const EndpointAddresses& addresses);

// The same, each address checked first as a SQL Server or Oracle address
// (ValidateDatabaseAddress), so that bad input is refused before any server is asked:
// INVALID_ARGUMENT naming its flag, e.g. "--platform: ...". No address: an empty list.
absl::StatusOr<std::vector<v1::EndpointChange>> CheckedEndpointChanges(
    const EndpointAddresses& addresses);

}  // namespace osfleet

// One call to Service Center's web services, whatever the operation: the body, masked,
// when it answered 2xx; else what the HTTP status means. Shared by the phase and its
// read-only check.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/service_center/http_client.h"
#include "agent/service_center/sc_wire.h"
#include "common/text/redact.h"

namespace osfleet::agent {

// One SOAP or REST call: the body, masked, when Service Center answered 2xx; else what
// the status means (sc_wire::CheckHttpStatus), masked too.
absl::StatusOr<std::string> CallService(const HttpClient& client,
                                        const sc_wire::PostRequest& request, absl::Time deadline,
                                        const Redactor& redactor, const std::string& user);

}  // namespace osfleet::agent

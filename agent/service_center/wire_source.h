// Where the Service Center client's names come from: a saved WSDL (wsdl_file:), else the
// server's own answer to GET …/PlatformServices_v8_0_0.asmx?WSDL, else osfleet's
// conventions (wsdl.h), with a note saying why.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/service_center/http_client.h"
#include "agent/service_center/phase_driver.h"
#include "agent/service_center/wsdl.h"

namespace osfleet::agent {

// The names in use and where they came from; note says why conventions (empty otherwise).
struct ResolvedWire {
  sc_wire::Wire wire;
  std::string note;
};

// The wire the server's answer to GET wsdl_url describes: a WSDL, which must describe
// every operation the phase needs (FAILED_PRECONDITION otherwise), or, when the answer
// is a 404, another status, or a body that is not a WSDL, osfleet's conventions (note
// says what came back). UNAVAILABLE for 502/503/504.
absl::StatusOr<ResolvedWire> WireFromAnswer(const std::string& wsdl_url,
                                            const HttpResponse& answer);

// The wire a saved WSDL describes. FAILED_PRECONDITION naming the file when it cannot be
// read, or does not describe every operation.
absl::StatusOr<sc_wire::Wire> WireFromFile(const std::string& path);

// Where the names come from: wsdl_file, else the server's ?WSDL (within deadline), else
// conventions. The failed GET's own code (e.g. UNAVAILABLE) when the server does not answer.
absl::StatusOr<ResolvedWire> ResolveWire(const HttpDriverConfig& config, const HttpClient& client,
                                         absl::Time deadline);

}  // namespace osfleet::agent

// Which addresses Endpoints.Probe checks, and running those checks in parallel: the
// requested addresses (each parsed for the provider its section in this server's
// server.hsconf uses), or the current endpoints when none are given.
#pragma once

#include <string>
#include <vector>

#include "agent/probe/probe.h"
#include "common/hsconf.h"

namespace osfleet::agent {

struct ProbeTargetResult {
  DatabaseId database = DatabaseId::kPlatform;
  std::string address;
  ProbeOutcome outcome;
};

// edits empty = the file's current addresses. One result per target, in order.
std::vector<ProbeTargetResult> ProbeTargets(const HsconfDocument& doc,
                                            const std::vector<EndpointEdit>& edits,
                                            const ProbeOptions& options);

}  // namespace osfleet::agent

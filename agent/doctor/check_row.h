// One row of `osctl doctor`: a read-only check of something a rollout will touch, its
// verdict and why. The agent's checks (agent/doctor) and the Service Center driver's
// (PhaseDriver::Check) both produce these; osctl adds its own (its certificate, clock skew).
#pragma once

#include <string>

namespace osfleet::agent {

enum class CheckLevel { kOk, kWarn, kFail };

struct CheckRow {
  std::string check;  // dotted name: "hsconf.parsed", "service_center.wsdl", …
  CheckLevel level = CheckLevel::kOk;
  std::string reason;  // what was found, or what is wrong and where; never a secret
};

}  // namespace osfleet::agent

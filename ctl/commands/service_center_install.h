// --install-service-center / --no-install-service-center: whether the Deployment
// Controller's Configuration Tool run adds /InstallServiceCenter. The manual procedure (and
// OutSystems' own password-rotation procedure) answers Yes to "Service Center
// installation" on the Deployment Controller after its database settings change, so it is
// on by default there and never on a Front-End; --install-service-center, the opt-in of
// earlier versions, is still accepted and changes nothing.
#pragma once

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"

namespace osfleet::ctl {

struct ScInstallFlags {
  bool install = false;  // --install-service-center (the default anyway)
  bool skip = false;     // --no-install-service-center
};

void AddScInstallFlags(CLI::App* command, ScInstallFlags& flags);

// True unless --no-install-service-center; INVALID_ARGUMENT when both flags are given.
absl::StatusOr<bool> ResolveScInstall(const ScInstallFlags& flags);

}  // namespace osfleet::ctl

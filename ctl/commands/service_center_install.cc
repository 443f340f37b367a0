#include "ctl/commands/service_center_install.h"

namespace osfleet::ctl {

void AddScInstallFlags(CLI::App* command, ScInstallFlags& flags) {
  command->add_flag("--no-install-service-center", flags.skip,
                    "do not add /InstallServiceCenter to the Deployment Controller's "
                    "Configuration Tool run (added by default, as the manual procedure answers "
                    "Yes to the Service Center installation)");
  command->add_flag("--install-service-center", flags.install,
                    "the default (kept for older scripts): /InstallServiceCenter on the "
                    "Deployment Controller");
}

absl::StatusOr<bool> ResolveScInstall(const ScInstallFlags& flags) {
  if (flags.install && flags.skip) {
    return absl::InvalidArgumentError(
        "--install-service-center and --no-install-service-center: give one of them (the "
        "Service Center installation on the Deployment Controller is on by default)");
  }
  return !flags.skip;
}

}  // namespace osfleet::ctl

#include "ctl/commands/advanced_settings_flag.h"

namespace osfleet::ctl {

void AddAdvancedSettingsFlag(CLI::App* command, std::string& choice) {
  choice = kAdvancedSettingsRefuse;
  command
      ->add_option("--advanced-settings", choice,
                   "when an advanced-settings address (e.g. RuntimeAdvancedSettings "
                   "Server=...) names the host a database moves away from: refuse (change "
                   "nothing, exit 3), rewrite (replace that host by the new one inside the "
                   "element) or keep (leave it; the platform stays on the old host there)")
      ->check(CLI::IsMember({"refuse", "rewrite", "keep"}))
      ->capture_default_str();
}

}  // namespace osfleet::ctl

// --advanced-settings refuse|rewrite|keep, declared here once for every command that
// changes or plans addresses (endpoints plan | set, rollout plan | apply): what the change
// does when an advanced-settings address (RuntimeAdvancedSettings, ...) of a database it
// moves names the host it moves away from.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "ctl/ops/endpoints_change.h"  // AdvancedSettingsChoiceFor

namespace osfleet::ctl {

inline constexpr char kAdvancedSettingsRefuse[] = "refuse";

// `choice` holds "refuse" (the default), "rewrite" or "keep"; CLI11 refuses anything else.
void AddAdvancedSettingsFlag(CLI::App* command, std::string& choice);

}  // namespace osfleet::ctl

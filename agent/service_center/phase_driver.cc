#include "agent/service_center/phase_driver.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "agent/service_center/command_driver.h"
#include "agent/service_center/http_driver.h"
#include "agent/service_center/sc_wire.h"
#include "common/platform/files.h"
#include "common/text/absolute_path.h"

namespace osfleet::agent {
namespace {

// url: http(s)://host[:port], a trailing '/' allowed, no path (the services' paths are
// fixed under /ServiceCenter).
absl::Status CheckUrl(const std::string& url) {
  const std::string lower = absl::AsciiStrToLower(url);
  const size_t scheme = absl::StartsWith(lower, "https://")  ? 8
                        : absl::StartsWith(lower, "http://") ? 7
                                                             : 0;
  if (scheme == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("url \"", url, "\" must start with http:// or https://"));
  }
  // As administrators know it (https://dc01/ServiceCenter) or the bare host.
  absl::string_view rest = sc_wire::ServerPart(absl::string_view(url).substr(scheme));
  if (rest.empty() || rest.front() == ':') {
    return absl::InvalidArgumentError(absl::StrCat("url \"", url, "\" has no host"));
  }
  if (rest.find_first_of("/?#@ \t") != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "url \"", url, "\" must be scheme://host[:port] or scheme://host[:port]/ServiceCenter"));
  }
  return absl::OkStatus();
}

absl::Status CheckHttp(const HttpDriverConfig& http) {
  if (absl::Status s = CheckUrl(http.url); !s.ok()) return s;
  if (absl::StripAsciiWhitespace(http.user).empty()) {
    return absl::InvalidArgumentError("user is empty");
  }
  if (http.staging_name.empty()) return absl::InvalidArgumentError("staging_name is empty");
  if (http.request_timeout <= absl::ZeroDuration() || http.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("request_timeout and poll_interval must be positive");
  }
  if (!http.ca_file.empty()) {
    const platform::Result<void> readable =
        platform::CheckAccess(http.ca_file, platform::Access::kRead);
    if (!readable.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("ca_file ", http.ca_file, ": ", readable.error().Reason()));
    }
  }
  return ReadEncryptedPassword(http.password_encrypted_file).status();
}

// apply_settings and republish as written, or their defaults: with the agent's
// Configuration Tool, /ApplySettingsFactory then the flagged modules; without one, every
// module republished (which is how that applies the settings).
absl::Status SettlePolicy(const ServiceCenterConfig& config,
                          const std::optional<ConfigurationToolConfig>& tool,
                          HttpDriverConfig& http) {
  http.apply_settings = config.apply_settings.value_or(
      tool.has_value() ? ApplySettings::kConfigurationTool : ApplySettings::kRepublish);
  const bool with_tool = http.apply_settings == ApplySettings::kConfigurationTool;
  http.republish = config.republish.value_or(with_tool ? Republish::kOutdated : Republish::kAll);
  if (with_tool && !tool.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        config.apply_settings_where,
        "apply_settings: configuration_tool needs the agent's configuration_tool: section "
        "(how to run ConfigurationTool.com); add one, or set apply_settings: republish"));
  }
  if (!with_tool && http.republish == Republish::kNone) {
    return absl::InvalidArgumentError(absl::StrCat(
        config.republish_where,
        "republish: none with apply_settings: republish would apply no settings at all; use "
        "apply_settings: configuration_tool, or republish: all | outdated"));
  }
  http.configuration_tool = with_tool ? tool : std::nullopt;
  return absl::OkStatus();
}

absl::Status CheckCommand(const CommandDriverConfig& command) {
  if (command.command.empty() || command.command[0].empty()) {
    return absl::InvalidArgumentError("command is empty");
  }
  const std::string& program = command.command[0];
  if (!IsAbsolutePath(program)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "command: \"", program, "\" must be an absolute path (/…, C:\\…, \\\\server\\share\\…)"));
  }
  const platform::Result<void> runnable =
      platform::CheckAccess(program, platform::Access::kExecute);
  if (!runnable.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("command: ", program, ": ", runnable.error().Reason()));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<CheckRow> PhaseDriver::Check(absl::Time /*deadline*/, const CancelToken& /*cancel*/) {
  return {{"service_center.check", CheckLevel::kWarn,
           "this Service Center driver has no read-only check; the phase will tell"}};
}

absl::Status PhaseDriver::CheckCredentials(const PhaseOptions& /*options*/) const {
  return absl::OkStatus();
}

bool PhaseRunsConfigurationTool(const ServiceCenterConfig& config,
                                const std::optional<ConfigurationToolConfig>& tool) {
  return config.driver == ServiceCenterConfig::Driver::kHttp && tool.has_value() &&
         config.apply_settings.value_or(ApplySettings::kConfigurationTool) ==
             ApplySettings::kConfigurationTool;
}

bool IsFlagged(const ScModule& module) {
  for (const ScStatusMessage& m : module.status_messages) {
    if (m.id == kStatusOutdatedReferences || m.id == kStatusNotPublishedSinceUpdate) return true;
  }
  return false;
}

// "6 outdated references: \"<Service Center's text>\"; 13 not published since ...".
std::string FlagReasons(const ScModule& module) {
  std::vector<std::string> reasons;
  for (const ScStatusMessage& m : module.status_messages) {
    const char* what = m.id == kStatusOutdatedReferences ? "outdated references"
                       : m.id == kStatusNotPublishedSinceUpdate
                           ? "not published since the last version update"
                           : nullptr;
    if (what == nullptr) continue;
    reasons.push_back(m.message.empty() ? absl::StrCat(m.id, " ", what)
                                        : absl::StrCat(m.id, " ", what, ": \"", m.message, "\""));
  }
  return absl::StrJoin(reasons, "; ");
}

std::string ApplySettingsName(ApplySettings a) {
  return a == ApplySettings::kConfigurationTool ? "configuration_tool" : "republish";
}

std::string RepublishName(Republish r) {
  switch (r) {
    case Republish::kOutdated:
      return "outdated";
    case Republish::kAll:
      return "all";
    case Republish::kNone:
      break;
  }
  return "none";
}

absl::StatusOr<std::unique_ptr<PhaseDriver>> MakePhaseDriver(
    const ServiceCenterConfig& config, const std::optional<ConfigurationToolConfig>& tool) {
  if (config.driver == ServiceCenterConfig::Driver::kCommand) {
    if (absl::Status s = CheckCommand(config.command); !s.ok()) return s;
    return std::unique_ptr<PhaseDriver>(new CommandPhaseDriver(config.command));
  }
  HttpDriverConfig http = config.http;
  if (absl::Status s = SettlePolicy(config, tool, http); !s.ok()) return s;
  if (absl::Status s = CheckHttp(http); !s.ok()) return s;
  return std::unique_ptr<PhaseDriver>(new HttpPhaseDriver(std::move(http)));
}

}  // namespace osfleet::agent

#include "agent/windows_service/service_command.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/agent_yaml/agent_config.h"
#include "agent/event_log/agent_events.h"
#include "agent/server/serve.h"
#include "common/api/logging.h"
#include "common/platform/default_paths.h"
#include "common/platform/event_log.h"
#include "common/platform/os_service.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

constexpr char kDisplayName[] = "osfleet agent";
constexpr char kDescription[] =
    "Serves this OutSystems server's database endpoints (server.hsconf), services and "
    "Service Center phase to osctl over mTLS.";

void PrintError(const std::string& message) {
  std::fprintf(stderr, "osagent: %s\n", ValidUtf8(message).c_str());
}

// The exit code for a platform error: kInvalidArgument is the caller's (2), the rest the
// OS's (1).
int ExitFor(const platform::Error& error) {
  return error.code == platform::make_error_code(platform::Errc::kInvalidArgument) ? kExitUsage : 1;
}

std::string ConfigPath(const ServiceFlags& flags) {
  return flags.config.empty() ? platform::DefaultAgentPaths().config : flags.config;
}

// The config the service will run with, checked now: a service that cannot start is found
// at install time, not in the event log after a reboot.
absl::Status CheckConfig(const std::string& path) {
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(path);
  if (!config.ok()) return config.status();
  return ValidateAgentConfig(*config);
}

// As a service there is no console: every record, the failure to start included, goes to
// the config's log_file, else %ProgramData%\osfleet\logs\osagent.log; the warnings and
// errors, the start, the stop and the audit lines to the Application event log too
// (agent/event_log/agent_events.h). Returns the file it logs to ("" for none).
std::string LogToFile(const std::string& configured, const std::string& level) {
  const std::string fallback = platform::DefaultAgentPaths().service_log;
  std::string file = configured.empty() ? fallback : configured;
  absl::Status s = SetUpFileLogging("osagent", level, file);
  if (!s.ok() && file != fallback) {
    file = fallback;
    s = SetUpFileLogging("osagent", "info", fallback);
  }
  if (!s.ok()) {
    file.clear();
    (void)SetUpLogging("osagent", "info");
  }
  AttachEventLog();
  return file;
}

int ServeAsService(const std::string& config_path, const std::function<void()>& ready) {
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(config_path);
  if (!config.ok()) {
    const std::string log_file = LogToFile("", "info");
    spdlog::critical("{}", config.status().message());
    ReportStopped(kExitUsage, log_file);
    DetachEventLog();
    return kExitUsage;
  }
  const std::string log_file = LogToFile(config->log_file, config->log_level);
  spdlog::info("started by the Service Control Manager (config {})", config_path);
  const std::string started = StartedText(*config, config_path, log_file);
  const int code = Serve(*std::move(config), [&ready, &started] {
    ready();
    ReportStarted(started);
  });
  ReportStopped(code, log_file);
  DetachEventLog();
  return code;
}

// The Application log's source `osagent`, with this program's message table: Event Viewer
// shows each event's text (the MSI registers it the same way: osfleet-agent.wxs).
void AddAgentEventSource(const std::string& program) {
  const platform::Result<void> added =
      platform::AddEventSource({kEventSource, program, kEventCategoryCount});
  if (added.ok()) {
    std::printf("registered the event source %s (Application log, messages from %s)\n",
                kEventSource, program.c_str());
  } else {
    std::printf(
        "warning: the event source %s is not registered (%s): Event Viewer will show "
        "the events without their description\n",
        kEventSource, ValidUtf8(added.error().Message()).c_str());
  }
}

}  // namespace

bool AccountNeedsNoPassword(const std::string& account) {
  const std::string a = absl::AsciiStrToLower(account);
  return a.empty() || a == "localsystem" || a == ".\\localsystem" || a == "nt authority\\system" ||
         a == "nt authority\\localservice" || a == "nt authority\\local service" ||
         a == "nt authority\\networkservice" || a == "nt authority\\network service" ||
         (absl::StartsWith(a, "nt service\\") && a.size() > 11) ||
         (absl::EndsWith(a, "$") && a.find('\\') != std::string::npos);
}

ServiceCommands AddServiceCommands(CLI::App& app, ServiceFlags& flags) {
  CLI::App* service = app.add_subcommand("service", "osagent as the Windows service `osagent`")
                          ->require_subcommand(1);
  ServiceCommands c;
  c.install = service->add_subcommand(
      "install", "register the service (automatic start, restarted on failure); again: update it");
  c.install->add_option(
      "--config", flags.config,
      "the config the service runs with (default: " + platform::DefaultAgentPaths().config + ")");
  c.install->add_option("--account", flags.account,
                        "run as this account (default LocalSystem): NT AUTHORITY\\NetworkService, "
                        "NT SERVICE\\osagent, or a gMSA DOMAIN\\name$");
  c.uninstall = service->add_subcommand("uninstall", "stop the service and remove it");
  c.uninstall->add_option("--stop-timeout", flags.stop_timeout_seconds,
                          "seconds to wait for it to stop (default 60)");
  c.run = service->add_subcommand("run",
                                  "serve as the service (the Service Control Manager runs this)");
  c.run->add_option("--config", flags.config, "the config file");
  return c;
}

int InstallAgentService(const ServiceFlags& flags) {
  if (platform::Result<void> here = platform::ServiceManagerAvailable("osagent service install");
      !here.ok()) {
    PrintError(here.error().Message());
    return kExitUsage;
  }
  if (!AccountNeedsNoPassword(flags.account)) {
    PrintError(absl::StrCat(
        "--account ", flags.account,
        ": a user account needs a password, which osagent neither takes nor stores; use "
        "LocalSystem (the default), NT SERVICE\\osagent or a group managed service account "
        "(DOMAIN\\name$), or set the password in services.msc after installing"));
    return kExitUsage;
  }
  platform::Result<std::string> config = platform::AbsolutePath(ConfigPath(flags));
  if (!config.ok()) {
    PrintError(config.error().Message());
    return 1;
  }
  if (absl::Status s = CheckConfig(*config); !s.ok()) {
    PrintError(absl::StrCat("not installed: ", s.message()));
    return kExitUsage;
  }
  platform::Result<std::string> program = platform::ProgramPath();
  if (!program.ok()) {
    PrintError(program.error().Message());
    return 1;
  }
  // LocalSystem by any of its names is the SCM's default account (the MSI passes
  // SERVICEACCOUNT=LocalSystem when none was given).
  const bool local_system = absl::AsciiStrToLower(flags.account) == "localsystem" ||
                            absl::AsciiStrToLower(flags.account) == ".\\localsystem";
  const platform::ServiceRegistration registration{
      kServiceName,
      kDisplayName,
      kDescription,
      {*program, "service", "run", "--config", *config},
      local_system ? "" : flags.account};
  platform::Result<platform::Installed> installed = platform::InstallService(registration);
  if (!installed.ok()) {
    PrintError(installed.error().Message());
    return ExitFor(installed.error());
  }
  std::printf("%s service %s: automatic start, as %s, with %s\n",
              installed->updated ? "updated" : "installed", kServiceName,
              flags.account.empty() ? "LocalSystem" : flags.account.c_str(), config->c_str());
  if (!installed->recovery) {
    std::printf(
        "warning: this Service Control Manager does not take recovery settings; "
        "set them in services.msc (Recovery: restart the service)\n");
  }
  AddAgentEventSource(*program);
  std::printf("start it: sc start %s\n", kServiceName);
  return 0;
}

int UninstallAgentService(const ServiceFlags& flags) {
  platform::Result<bool> removed =
      platform::UninstallService(kServiceName, std::chrono::seconds(flags.stop_timeout_seconds));
  if (!removed.ok()) {
    PrintError(removed.error().Message());
    return ExitFor(removed.error());
  }
  std::printf(*removed ? "stopped and removed service %s\n"
                       : "service %s is not installed: nothing to remove\n",
              kServiceName);
  const platform::Result<bool> source = platform::RemoveEventSource(kEventSource);
  if (!source.ok()) {
    std::printf("warning: the event source %s stays registered (%s)\n", kEventSource,
                ValidUtf8(source.error().Message()).c_str());
  } else if (*source) {
    std::printf("removed the event source %s\n", kEventSource);
  }
  return 0;
}

int RunAgentService(const ServiceFlags& flags) {
  const std::string config = ConfigPath(flags);
  platform::Result<int> ran = platform::RunAsService(
      kServiceName,
      [&config](const std::function<void()>& ready) { return ServeAsService(config, ready); });
  if (!ran.ok()) {
    PrintError(ran.error().Message());
    return ExitFor(ran.error());
  }
  return *ran;
}

}  // namespace osfleet::agent

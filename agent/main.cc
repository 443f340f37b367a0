// osagent: the per-server agent. Parses flags over the YAML config, then serves until a
// stop request (agent/server/serve.h). `osagent service ...` runs it as a Windows service
// and `osagent firewall ...` opens its port (agent/windows_service); `osagent setup` writes
// agent.yaml for an unattended install (agent/setup).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/agent_yaml/agent_config.h"
#include "agent/server/serve.h"
#include "agent/setup/setup_command.h"
#include "agent/windows_service/firewall_command.h"
#include "agent/windows_service/service_command.h"
#include "common/api/logging.h"
#include "common/api/role.h"
#include "common/platform/console.h"
#include "common/platform/core_dumps.h"
#include "common/platform/host_info.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

struct Flags {
  std::string config, name, role, listen, port_file, hsconf, state_dir;
  std::string tls_cert, tls_key, tls_ca, tls_crl, log_level, log_file, audit_log;
  int max_concurrent_calls = 0;
  bool insecure = false;
  bool start_services = false;
};

void AddFlags(CLI::App& app, Flags& f) {
  app.add_option("--config", f.config, "YAML config file; flags override its keys");
  app.add_option("--name", f.name, "this server's inventory name (default: hostname)");
  app.add_option("--role", f.role, "deployment_controller | front_end");
  app.add_option("--listen", f.listen, "HOST:PORT to serve on (port 0: any free port)");
  app.add_option("--port-file", f.port_file, "write the bound port here once serving");
  app.add_option("--hsconf", f.hsconf, "path of server.hsconf");
  app.add_option("--state-dir", f.state_dir, "folder for backups and state");
  app.add_option("--tls-cert", f.tls_cert, "PEM certificate of this agent");
  app.add_option("--tls-key", f.tls_key, "PEM private key of this agent");
  app.add_option("--tls-ca", f.tls_ca, "PEM CA bundle; client certificates are then required");
  app.add_option("--tls-crl", f.tls_crl, "PEM CRL file; revoked client certificates are refused");
  app.add_flag("--insecure", f.insecure, "plaintext (only on a loopback listen address)");
  app.add_flag("--start-services", f.start_services, "start the configured services at start-up");
  app.add_option("--log-level", f.log_level, "trace|debug|info|warn|error|off");
  app.add_option("--log-file", f.log_file,
                 "log to this file (rotated at 10 MiB) instead of stderr");
  app.add_option("--audit-log", f.audit_log, "audit log file (default: STATE_DIR/audit.log)");
  app.add_option("--max-concurrent-calls", f.max_concurrent_calls,
                 "calls in progress at once, over all clients (default 64)");
  app.set_version_flag("--version", std::string("osagent ") + OSFLEET_VERSION);
}

absl::StatusOr<AgentConfig> BuildConfig(const Flags& f) {
  AgentConfig c;
  if (!f.config.empty()) {
    absl::StatusOr<AgentConfig> loaded = LoadAgentConfig(f.config);
    if (!loaded.ok()) return loaded.status();
    c = *std::move(loaded);
  }
  auto override_with = [](std::string& field, const std::string& flag) {
    if (!flag.empty()) field = flag;
  };
  override_with(c.name, f.name);
  override_with(c.listen, f.listen);
  override_with(c.port_file, f.port_file);
  override_with(c.hsconf_path, f.hsconf);
  override_with(c.state_dir, f.state_dir);
  override_with(c.tls.cert, f.tls_cert);
  override_with(c.tls.key, f.tls_key);
  override_with(c.tls.ca, f.tls_ca);
  override_with(c.tls_crl, f.tls_crl);
  override_with(c.log_level, f.log_level);
  override_with(c.log_file, f.log_file);
  override_with(c.audit_log, f.audit_log);
  if (f.max_concurrent_calls != 0) c.max_concurrent_calls = f.max_concurrent_calls;
  if (f.insecure) c.insecure = true;
  if (f.start_services) c.start_services = true;
  if (!f.role.empty()) {
    absl::StatusOr<v1::ServerRole> role = ParseRole(f.role);
    if (!role.ok()) return absl::InvalidArgumentError(absl::StrCat("--", role.status().message()));
    c.role = *role;
  }
  if (c.name.empty()) c.name = ValidUtf8(platform::HostName());
  return c;
}

int Run(const Flags& flags) {
  absl::StatusOr<AgentConfig> config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "osagent: %s\n", ValidUtf8(config.status().message()).c_str());
    return kExitUsage;
  }
  absl::Status logging = config->log_file.empty()
                             ? SetUpLogging("osagent", config->log_level)
                             : SetUpFileLogging("osagent", config->log_level, config->log_file);
  if (!logging.ok()) {
    std::fprintf(stderr, "osagent: %s\n", ValidUtf8(logging.message()).c_str());
    return kExitUsage;
  }
  return Serve(*std::move(config), [] {});
}

// CLI11's own message (usage, help, version), valid UTF-8 even when it quotes an argument
// that is not; the exit code for it.
int ExitOnParseError(const CLI::App& app, const CLI::ParseError& e) {
  std::ostringstream out, err;
  const int code = app.exit(e, out, err);
  std::fputs(ValidUtf8(out.str()).c_str(), stdout);
  std::fputs(ValidUtf8(err.str()).c_str(), stderr);
  return code == 0 ? 0 : kExitUsage;
}

}  // namespace
}  // namespace osfleet::agent

int main(int argc, char** argv) {
  // First, before any thread: freed memory is overwritten (may re-execute osagent once).
  osfleet::platform::ScrubFreedMemory(argv);
  CLI::App app{"osagent: serves this OutSystems server's database endpoints to osctl"};
  osfleet::agent::Flags flags;
  osfleet::agent::AddFlags(app, flags);
  osfleet::agent::ServiceFlags service_flags;
  const osfleet::agent::ServiceCommands service =
      osfleet::agent::AddServiceCommands(app, service_flags);
  osfleet::agent::SetupRequest setup_request;
  CLI::App* setup = osfleet::agent::AddSetupCommand(app, setup_request);
  osfleet::agent::FirewallFlags firewall_flags;
  const osfleet::agent::FirewallCommands firewall =
      osfleet::agent::AddFirewallCommands(app, firewall_flags);
  // Windows: the arguments from the UTF-16 command line (paths and names outside the ANSI
  // code page, e.g. what the MSI passes from NAME or TLSDIR); elsewhere argv as given.
  std::vector<std::string> args = osfleet::platform::Utf8Arguments(argc, argv);
  std::vector<char*> utf8_argv;
  for (std::string& arg : args) utf8_argv.push_back(arg.data());
  try {
    app.parse(static_cast<int>(utf8_argv.size()), utf8_argv.data());
  } catch (const CLI::ParseError& e) {
    return osfleet::agent::ExitOnParseError(app, e);
  }
  if (service.install->parsed()) return osfleet::agent::InstallAgentService(service_flags);
  if (service.uninstall->parsed()) return osfleet::agent::UninstallAgentService(service_flags);
  if (service.run->parsed()) return osfleet::agent::RunAgentService(service_flags);
  if (setup->parsed()) return osfleet::agent::RunSetup(setup_request);
  if (firewall.add->parsed()) return osfleet::agent::AddAgentFirewallRule(firewall_flags);
  if (firewall.remove->parsed()) return osfleet::agent::RemoveAgentFirewallRule(firewall_flags);
  return osfleet::agent::Run(flags);
}

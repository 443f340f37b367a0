// osctl: the operator's CLI. main declares the global flags and registers each command
// group (ctl/commands/<group>/); each command declares its own flags next to its run.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "common/api/logging.h"
#include "common/platform/console.h"
#include "common/text/utf8.h"
#include "ctl/commands/completion/completion.h"
#include "ctl/commands/doctor/doctor.h"
#include "ctl/commands/endpoints/endpoints.h"
#include "ctl/commands/fleet/fleet.h"
#include "ctl/commands/pki/pki.h"
#include "ctl/commands/probe/probe.h"
#include "ctl/commands/rollout/rollout.h"
#include "ctl/commands/sc/sc.h"
#include "ctl/commands/services/services.h"
#include "ctl/completion/command_tree.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/output_format.h"

namespace osfleet::ctl {
namespace {

// Each option that takes a file, a folder, a --limit or a choice says so (its type name):
// completion offers what it takes (ctl/completion/command_tree.h).
void AddGlobalFlags(CLI::App& app, GlobalOptions& o) {
  TakesFile(
      app.add_option("-i,--inventory", o.inventory,
                     "fleet inventory (YAML); default $OSFLEET_INVENTORY or ./inventory.yaml"));
  TakesLimit(app.add_option(
      "-l,--limit", o.limit,
      "servers to run on: names/globs, role:ROLE, label:K=V, !EXCLUDE; comma-separated"));
  app.add_option("--concurrency", o.concurrency, "calls in flight at once")->capture_default_str();
  app.add_option("--timeout", o.timeout, "deadline of each call (e.g. 10s)")->capture_default_str();
  OffersChoices(app.add_option("-o,--output", o.output, "how to print"), OutputFormatNames())
      ->capture_default_str();
  TakesFile(
      app.add_option("--tls-ca", o.tls.ca, "fleet CA (PEM) that signed the agents' certificates"));
  TakesFile(app.add_option("--tls-cert", o.tls.cert, "operator certificate (PEM)"));
  TakesFile(app.add_option("--tls-key", o.tls.key, "operator private key (PEM)"));
  app.add_flag("--insecure", o.insecure, "plaintext; only for agents on loopback");
  app.add_flag("--no-color", o.no_color, "no ANSI colours (also: NO_COLOR=1)");
  app.add_flag("-v,--verbose", o.verbose, "debug lines on stderr, gRPC's own among them");
  // Hidden (no group): the tests' short heartbeats; operators keep the default.
  app.add_option("--heartbeat-interval", o.heartbeat_interval,
                 "how often a long step reports (50ms..15s)")
      ->group("");
}

// CLI11's own message (usage, help, version), valid UTF-8 even when it quotes an argument
// that is not; the exit code for it.
int ExitOnParseError(const CLI::App& app, const CLI::ParseError& e) {
  std::ostringstream out, err;
  const int code = app.exit(e, out, err);
  std::fputs(ValidUtf8(out.str()).c_str(), stdout);
  std::fputs(ValidUtf8(err.str()).c_str(), stderr);
  return code == 0 ? kExitOk : kExitUsage;
}

}  // namespace
}  // namespace osfleet::ctl

int main(int argc, char** argv) {
  using namespace osfleet::ctl;
  // Windows: colours and UTF-8 on the console, the command line in UTF-8 (console.h).
  osfleet::platform::PrepareConsole();
  std::vector<std::string> args = osfleet::platform::Utf8Arguments(argc, argv);
  std::vector<char*> utf8_argv;
  for (std::string& arg : args) utf8_argv.push_back(arg.data());
  CLI::App app{"osctl: move an OutSystems 11 farm to a new database address"};
  app.set_version_flag("--version", std::string("osctl ") + OSFLEET_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand too
  GlobalOptions global;
  Action action;  // the chosen command, set while parsing
  AddGlobalFlags(app, global);
  RegisterFleet(app, global, action);
  RegisterEndpoints(app, global, action);
  RegisterProbe(app, global, action);
  RegisterDoctor(app, global, action);
  RegisterServices(app, global, action);
  RegisterServiceCenter(app, global, action);
  RegisterRollout(app, global, action);
  RegisterPki(app, global, action);
  RegisterCompletion(app, global, action);  // its scripts walk `app` when printed: all of it
  try {
    app.parse(static_cast<int>(utf8_argv.size()), utf8_argv.data());
  } catch (const CLI::ParseError& e) {
    return ExitOnParseError(app, e);
  }
  if (!osfleet::SetUpLogging("osctl", global.verbose ? "debug" : "warn").ok()) return kExitUsage;
  osfleet::RouteGrpcLogging(/*quiet=*/true);  // gRPC's lines only with --verbose
  if (!action) return kExitUsage;
  try {
    return action();
  } catch (const std::exception& e) {  // a library that throws, missed at its own edge
    std::fprintf(stderr, "osctl: internal error: %s\n", osfleet::ValidUtf8(e.what()).c_str());
    return kExitFailed;
  }
}

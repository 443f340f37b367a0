// osctl: the operator's CLI. Parses the command line and hands over to ctl/commands.
#include <CLI/CLI.hpp>
#include <functional>

#include "common/logging.h"
#include "ctl/commands/commands.h"

namespace osfleet::ctl {
namespace {

void AddGlobalFlags(CLI::App& app, GlobalOptions& o) {
  app.add_option("-i,--inventory", o.inventory,
                 "fleet inventory (YAML); default $OSFLEET_INVENTORY or ./inventory.yaml");
  app.add_option("-l,--limit", o.limit,
                 "servers to run on: names/globs, role:ROLE, label:K=V, !EXCLUDE; comma-separated");
  app.add_option("--concurrency", o.concurrency, "calls in flight at once")->capture_default_str();
  app.add_option("--timeout", o.timeout, "deadline of each call (e.g. 10s)")->capture_default_str();
  app.add_option("-o,--output", o.output, "table | json")->capture_default_str();
  app.add_option("--tls-ca", o.tls.ca, "fleet CA (PEM) that signed the agents' certificates");
  app.add_option("--tls-cert", o.tls.cert, "operator certificate (PEM)");
  app.add_option("--tls-key", o.tls.key, "operator private key (PEM)");
  app.add_flag("--insecure", o.insecure, "plaintext; only for agents on loopback");
  app.add_flag("--no-color", o.no_color, "no ANSI colours (also: NO_COLOR=1)");
}

void AddChangeFlags(CLI::App* cmd, EndpointsChangeOptions& c) {
  cmd->add_option("--platform", c.platform,
                  "new Platform database address: SQL Server [tcp:]host[\\instance][,port], "
                  "Oracle host[:port]/service");
  cmd->add_option("--log", c.log, "new Log database address");
  cmd->add_option("--session", c.session, "new Session database address");
}

using Action = std::function<int()>;

void AddEndpoints(CLI::App& app, const GlobalOptions& g, EndpointsChangeOptions& c,
                  Action& action) {
  CLI::App* endpoints = app.add_subcommand("endpoints", "the database endpoints in server.hsconf");
  endpoints->require_subcommand(1);
  endpoints->add_subcommand("get", "show every server's Platform, Log and Session endpoints")
      ->callback([&] { action = [&] { return RunEndpointsGet(g); }; });
  CLI::App* plan = endpoints->add_subcommand("plan", "validate a change and show the diff");
  AddChangeFlags(plan, c);
  plan->callback([&] { action = [&] { return RunEndpointsPlan(g, c); }; });
  CLI::App* set = endpoints->add_subcommand("set", "change the addresses on every server");
  AddChangeFlags(set, c);
  set->add_flag("--dry-run", c.dry_run, "only plan (same as `endpoints plan`)");
  set->add_option("--reason", c.reason, "recorded with each server's backup");
  set->callback([&] { action = [&] { return RunEndpointsSet(g, c); }; });
  endpoints->add_subcommand("backups", "list the server.hsconf backups every agent keeps")
      ->callback([&] { action = [&] { return RunEndpointsBackups(g); }; });
}

}  // namespace
}  // namespace osfleet::ctl

int main(int argc, char** argv) {
  using namespace osfleet::ctl;
  CLI::App app{"osctl: move an OutSystems 11 farm to a new database address"};
  app.set_version_flag("--version", std::string("osctl ") + OSFLEET_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand too
  GlobalOptions global;
  EndpointsChangeOptions change;
  Action action;
  AddGlobalFlags(app, global);
  CLI::App* fleet = app.add_subcommand("fleet", "the fleet as a whole");
  fleet->require_subcommand(1);
  fleet->add_subcommand("status", "reachability, version, role, revision, database")->callback([&] {
    action = [&] { return RunFleetStatus(global); };
  });
  AddEndpoints(app, global, change, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!osfleet::SetUpLogging("osctl", "warn").ok()) return kExitUsage;
  return action ? action() : kExitUsage;
}

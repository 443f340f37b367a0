// osctl: the operator's CLI. Parses the command line and hands over to ctl/commands.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "common/logging.h"
#include "ctl/commands/commands.h"
#include "ctl/pki/pki.h"

namespace osfleet::ctl {
namespace {

void AddGlobalFlags(CLI::App& app, GlobalOptions& o) {
  app.add_option("-i,--inventory", o.inventory,
                 "fleet inventory (YAML); default $OSFLEET_INVENTORY or ./inventory.yaml");
  app.add_option("-l,--limit", o.limit,
                 "servers to run on: names/globs, role:ROLE, label:K=V, !EXCLUDE; comma-separated");
  app.add_option("--concurrency", o.concurrency, "calls in flight at once")->capture_default_str();
  app.add_option("--timeout", o.timeout, "deadline of each call (e.g. 10s)")->capture_default_str();
  app.add_option("-o,--output", o.output, "table | json | jsonl")->capture_default_str();
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

// Every command's options, filled by CLI11 while parsing.
struct CommandArgs {
  EndpointsChangeOptions change;
  std::string change_id;
  RollbackOptions rollback;
  EndpointsChangeOptions probe;
  ServicesControlOptions control;
  ScRunOptions sc;
  RolloutOptions rollout;
  bool yes = false;
  std::string rollout_id;
};

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
  set->add_flag("--restart", c.restart, "restart the OutSystems services and wait until healthy");
  set->add_option("--confirm-timeout", c.confirm_timeout,
                  "keep the change only if `endpoints confirm` comes within this time (e.g. 10m)");
  set->add_option("--restart-timeout", c.restart_timeout, "deadline of a call that restarts")
      ->capture_default_str();
  set->callback([&] { action = [&] { return RunEndpointsSet(g, c); }; });
  endpoints->add_subcommand("backups", "list the server.hsconf backups every agent keeps")
      ->callback([&] { action = [&] { return RunEndpointsBackups(g); }; });
}

void AddConfirmRollback(CLI::App& app, const GlobalOptions& g, CommandArgs& args, Action& action) {
  CLI::App* endpoints = app.get_subcommand("endpoints");
  std::string& change_id = args.change_id;
  CLI::App* confirm = endpoints->add_subcommand("confirm", "keep the change pending confirmation");
  confirm->add_option("--change", change_id, "only this change id (default: whichever is pending)");
  confirm->callback([&] { action = [&] { return RunEndpointsConfirm(g, change_id); }; });
  RollbackOptions& r = args.rollback;
  CLI::App* rollback = endpoints->add_subcommand(
      "rollback", "revert the pending change now (or restore --backup ID on one server)");
  rollback->add_option("--backup", r.backup_id, "a backup id from `endpoints backups`");
  rollback->add_flag("--restart", r.restart, "restart the services after restoring");
  rollback->add_option("--restart-timeout", r.restart_timeout, "deadline of a call that restarts");
  rollback->callback([&] { action = [&] { return RunEndpointsRollback(g, r); }; });
}

void AddProbe(CLI::App& app, const GlobalOptions& g, CommandArgs& args, Action& action) {
  EndpointsChangeOptions& targets = args.probe;
  CLI::App* probe = app.add_subcommand(
      "probe", "check database addresses from every server (default: the current ones)");
  AddChangeFlags(probe, targets);
  probe->callback([&] { action = [&] { return RunProbe(g, targets); }; });
}

void AddServices(CLI::App& app, const GlobalOptions& g, CommandArgs& args, Action& action) {
  ServicesControlOptions& control = args.control;
  CLI::App* services = app.add_subcommand("services", "the OutSystems services on each server");
  services->require_subcommand(1);
  services->add_subcommand("list", "every service and its state")->callback([&] {
    action = [&] { return RunServicesList(g); };
  });
  for (const char* verb : {"start", "stop", "restart"}) {
    CLI::App* cmd =
        services->add_subcommand(verb, std::string(verb) + " services (all by default)");
    cmd->add_option("names", control.names, "service names");
    cmd->add_option("--min-healthy", control.min_healthy, "how long started services must stay up");
    cmd->add_option("--restart-timeout", control.restart_timeout, "deadline of each call");
    cmd->callback([&, verb] {
      control.action = verb;
      action = [&] { return RunServicesControl(g, control); };
    });
  }
}

void AddServiceCenter(CLI::App& app, const GlobalOptions& g, CommandArgs& args, Action& action) {
  ScRunOptions& sc = args.sc;
  CLI::App* group = app.add_subcommand("sc", "the Service Center phase");
  group->require_subcommand(1);
  CLI::App* run = group->add_subcommand(
      "run", "republish the running version of every module, on the Deployment Controller");
  run->add_flag("--dry-run", sc.dry_run, "list the modules only");
  run->add_flag("--stop-on-warning", sc.stop_on_warning, "abort the publish at the first warning");
  run->add_flag("--keep-going-on-error", sc.keep_going_on_error,
                "let a publish with errors run to its end (default: abort at the first error)");
  run->add_option("--module", sc.modules, "only these modules (repeat the flag)");
  run->add_option("--deadline", sc.deadline, "the whole phase")->capture_default_str();
  run->callback([&] { action = [&] { return RunServiceCenterPhase(g, sc); }; });
}

void AddRollout(CLI::App& app, const GlobalOptions& g, CommandArgs& args, Action& action) {
  RolloutOptions& r = args.rollout;
  CLI::App* group = app.add_subcommand("rollout", "the whole procedure, in batches");
  group->require_subcommand(1);
  for (const char* verb : {"plan", "apply"}) {
    const bool apply = std::string(verb) == "apply";
    CLI::App* cmd = group->add_subcommand(
        verb, apply ? "discover, preflight, plan, then change every server in batches"
                    : "discover, preflight and show the plan; changes nothing");
    cmd->add_option("--platform", r.platform, "new Platform database address");
    cmd->add_option("--log", r.log, "new Log database address");
    cmd->add_option("--session", r.session, "new Session database address");
    cmd->add_option("--batch", r.batch, "Front-Ends per batch: N or N%")->capture_default_str();
    cmd->add_option("--canary", r.canary, "Front-Ends in the first batch after the DC")
        ->capture_default_str();
    cmd->add_option("--max-fail", r.max_fail, "failures tolerated: N or N%")->capture_default_str();
    cmd->add_option("--confirm-timeout", r.confirm_timeout,
                    "each server reverts by itself unless confirmed within this time")
        ->capture_default_str();
    cmd->add_option("--on-failure", r.on_failure, "rollback | keep")->capture_default_str();
    cmd->add_flag("--skip-service-center", r.skip_service_center, "do not run the SC phase");
    if (apply) cmd->add_flag("-y,--yes", args.yes, "do not ask for confirmation");
    cmd->callback(
        [&, apply] { action = [&, apply] { return RunRolloutPrepared(g, r, apply, args.yes); }; });
  }
  for (const char* verb : {"status", "resume", "rollback"}) {
    CLI::App* cmd = group->add_subcommand(verb, std::string(verb) + " a rollout from its journal");
    cmd->add_option("id", args.rollout_id, "rollout id (default: the newest)");
    cmd->callback([&, verb] {
      action = [&, verb] { return RunRolloutFromJournal(g, args.rollout_id, verb); };
    });
  }
}

// pki's options; the callbacks own them (shared), so they live as long as the app.
struct PkiArgs {
  PkiOptions options;
  int ca_days = pki::kDefaultCaDays;
  int agent_days = pki::kDefaultAgentDays;
  int operator_days = pki::kDefaultOperatorDays;
  std::string file;
};

void AddPkiIssue(CLI::App* group, const GlobalOptions& g, std::shared_ptr<PkiArgs> a,
                 Action& action) {
  CLI::App* issue = group->add_subcommand("issue", "a key and a certificate signed by the CA");
  issue->require_subcommand(1);
  CLI::App* agent = issue->add_subcommand("agent", "DIR/NAME.key and DIR/NAME.pem for an agent");
  CLI::App* op = issue->add_subcommand("operator", "DIR/NAME.key and DIR/NAME.pem for osctl");
  agent->add_option("name", a->options.name, "the server's inventory name")->required();
  op->add_option("name", a->options.name, "the operator's name (the certificate's CN)")->required();
  for (CLI::App* cmd : {agent, op}) {
    cmd->add_option("--dir", a->options.dir, "the folder of `pki init` (CA and output)")
        ->required();
    cmd->add_flag("--force", a->options.force, "replace existing NAME.key / NAME.pem");
    cmd->add_option("--backdate-days", a->options.backdate_days, "tests: already expired")
        ->group("");
  }
  agent->add_option("--san", a->options.sans, "another DNS name or IP address (repeatable)")
      ->allow_extra_args(false);
  agent->add_option("--days", a->agent_days, "validity")->capture_default_str();
  op->add_option("--role", a->options.role, "viewer (reads) | operator (everything)")->required();
  op->add_option("--days", a->operator_days, "validity")->capture_default_str();
  agent->callback([&action, &g, a] {
    a->options.days = a->agent_days;
    action = [&g, a] { return RunPkiIssue(g, a->options, "agent"); };
  });
  op->callback([&action, &g, a] {
    a->options.days = a->operator_days;
    action = [&g, a] { return RunPkiIssue(g, a->options, "operator"); };
  });
}

// pki: files only. No inventory and no agents, so these commands open no FleetContext.
void AddPki(CLI::App& app, const GlobalOptions& g, Action& action) {
  auto a = std::make_shared<PkiArgs>();
  CLI::App* group = app.add_subcommand("pki", "the fleet CA, agent and operator certificates");
  group->require_subcommand(1);
  CLI::App* init = group->add_subcommand("init", "create the fleet CA: DIR/ca.key and DIR/ca.pem");
  init->add_option("--dir", a->options.dir, "folder for the CA (created with mode 0700)")
      ->required();
  a->options.name = pki::kDefaultCaName;
  init->add_option("--name", a->options.name, "the CA's common name")->capture_default_str();
  init->add_option("--days", a->ca_days, "validity")->capture_default_str();
  init->add_flag("--force", a->options.force,
                 "replace an existing CA (nothing it signed is trusted any more)");
  init->callback([&action, &g, a] {
    a->options.days = a->ca_days;
    action = [&g, a] { return RunPkiInit(g, a->options); };
  });
  AddPkiIssue(group, g, a, action);
  CLI::App* show = group->add_subcommand("show", "subject, role, names, validity, fingerprint");
  show->add_option("file", a->file, "a certificate (PEM)")->required();
  show->callback([&action, &g, a] { action = [&g, a] { return RunPkiShow(g, a->file); }; });
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
  CommandArgs args;
  Action action;
  AddGlobalFlags(app, global);
  CLI::App* fleet = app.add_subcommand("fleet", "the fleet as a whole");
  fleet->require_subcommand(1);
  fleet->add_subcommand("status", "reachability, version, role, revision, database")->callback([&] {
    action = [&] { return RunFleetStatus(global); };
  });
  AddEndpoints(app, global, args.change, action);
  AddConfirmRollback(app, global, args, action);
  AddProbe(app, global, args, action);
  AddServices(app, global, args, action);
  AddServiceCenter(app, global, args, action);
  AddRollout(app, global, args, action);
  AddPki(app, global, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!osfleet::SetUpLogging("osctl", "warn").ok()) return kExitUsage;
  return action ? action() : kExitUsage;
}

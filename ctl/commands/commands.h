// The osctl commands; each returns the process exit code (ctl/context.h ExitCode).
#pragma once

#include <string>
#include <vector>

#include "ctl/fleet/context.h"
#include "ctl/ops/rollout/journal.h"

namespace osfleet::ctl {

// fleet status: reachability, agent version, role, revision, database addresses, drift.
int RunFleetStatus(const GlobalOptions& options);

// endpoints get: the three endpoints of every server.
int RunEndpointsGet(const GlobalOptions& options);

struct EndpointsChangeOptions {
  std::string platform, log, session;  // new addresses; empty = unchanged
  bool dry_run = false;
  std::string reason;
  bool restart = false;                 // restart the services after writing, wait healthy
  std::string confirm_timeout;          // e.g. "10m": revert by itself unless confirmed
  std::string restart_timeout = "10m";  // deadline of calls that restart services
};

// endpoints plan: validate on every server and show the per-field diff; changes nothing.
int RunEndpointsPlan(const GlobalOptions& options, const EndpointsChangeOptions& change);

// endpoints set: plan everywhere first (any refusal changes nothing anywhere, exit 3),
// then Set with the planned revisions (CAS) and print the per-host diff.
int RunEndpointsSet(const GlobalOptions& options, const EndpointsChangeOptions& change);

// endpoints backups: the server.hsconf backups each agent keeps.
int RunEndpointsBackups(const GlobalOptions& options);

// endpoints confirm: keep the change pending on every selected server.
int RunEndpointsConfirm(const GlobalOptions& options, const std::string& change_id);

struct RollbackOptions {
  std::string backup_id;  // empty: revert the pending change
  bool restart = false;
  std::string restart_timeout = "10m";
};
// endpoints rollback: revert the pending change (or restore a named backup of one server).
int RunEndpointsRollback(const GlobalOptions& options, const RollbackOptions& rollback);

// probe: from every server, check the given addresses (or the current ones).
int RunProbe(const GlobalOptions& options, const EndpointsChangeOptions& targets);

// services list | start | stop | restart [NAME...]
int RunServicesList(const GlobalOptions& options);
struct ServicesControlOptions {
  std::string action;  // start | stop | restart
  std::vector<std::string> names;
  std::string min_healthy;  // empty: the agent's configured value
  std::string restart_timeout = "10m";
};
int RunServicesControl(const GlobalOptions& options, const ServicesControlOptions& control);

// Prints "osctl: <message>" on stderr and returns the exit code for the status.
int ReportError(const absl::Status& status);

struct ScRunOptions {
  bool dry_run = false;
  bool stop_on_warning = false;
  bool keep_going_on_error = false;
  std::vector<std::string> modules;
  std::string deadline = "60m";
};
// sc run: the Service Center phase, on the Deployment Controller of the inventory.
int RunServiceCenterPhase(const GlobalOptions& options, const ScRunOptions& sc);

// rollout plan | apply: discover, preflight, plan (and apply). `apply` asks for
// confirmation unless `yes`.
int RunRolloutPrepared(const GlobalOptions& options, const RolloutOptions& rollout, bool apply,
                       bool yes);
// rollout status | resume | rollback [ID] (newest journal when ID is empty).
int RunRolloutFromJournal(const GlobalOptions& options, const std::string& id,
                          const std::string& action);

// pki init | issue agent | issue operator | show (ctl/pki): the fleet CA and the
// certificates it signs. No inventory and no agents: these never open a FleetContext.
struct PkiOptions {
  std::string dir;                // holds ca.key / ca.pem and the issued NAME.key / NAME.pem
  std::string name;               // init: the CA's common name; issue: the holder's name
  std::vector<std::string> sans;  // issue agent: DNS names / IP addresses besides NAME
  std::string role;               // issue operator: viewer | operator
  int days = 0;
  int backdate_days = 0;  // hidden flag; tests make already-expired certificates with it
  bool force = false;     // replace existing files
};
int RunPkiInit(const GlobalOptions& options, const PkiOptions& args);
// holder: "agent" | "operator".
int RunPkiIssue(const GlobalOptions& options, const PkiOptions& args, const std::string& holder);
int RunPkiShow(const GlobalOptions& options, const std::string& file);

}  // namespace osfleet::ctl

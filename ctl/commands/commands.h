// The osctl commands; each returns the process exit code (ctl/context.h ExitCode).
#pragma once

#include <string>

#include "ctl/context.h"

namespace osfleet::ctl {

// fleet status: reachability, agent version, role, revision, database addresses, drift.
int RunFleetStatus(const GlobalOptions& options);

// endpoints get: the three endpoints of every server.
int RunEndpointsGet(const GlobalOptions& options);

struct EndpointsChangeOptions {
  std::string platform, log, session;  // new addresses; empty = unchanged
  bool dry_run = false;
  std::string reason;
};

// endpoints plan: validate on every server and show the per-field diff; changes nothing.
int RunEndpointsPlan(const GlobalOptions& options, const EndpointsChangeOptions& change);

// endpoints set: plan everywhere first (any refusal changes nothing anywhere, exit 3),
// then Set with the planned revisions (CAS) and print the per-host diff.
int RunEndpointsSet(const GlobalOptions& options, const EndpointsChangeOptions& change);

// endpoints backups: the server.hsconf backups each agent keeps.
int RunEndpointsBackups(const GlobalOptions& options);

// Prints "osctl: <message>" on stderr and returns the exit code for the status.
int ReportError(const absl::Status& status);

}  // namespace osfleet::ctl

// pki: the fleet CA and the agent and operator certificates it signs (ctl/pki). Files only:
// no inventory and no agents, so these commands never open a FleetContext.
#pragma once

#include <functional>
#include <string>

#include "ctl/commands/command.h"
#include "ctl/pki/pki.h"

namespace osfleet::ctl {

void RegisterPki(CLI::App& app, const GlobalOptions& global, Action& action);

// pki init (init.cc)
void AddPkiInit(CLI::App& pki, const GlobalOptions& global, Action& action);
// pki issue agent | operator (issue.cc)
void AddPkiIssue(CLI::App& pki, const GlobalOptions& global, Action& action);
// pki show (show.cc)
void AddPkiShow(CLI::App& pki, const GlobalOptions& global, Action& action);
// pki revoke (revoke.cc)
void AddPkiRevoke(CLI::App& pki, const GlobalOptions& global, Action& action);
// pki crl (crl.cc)
void AddPkiCrl(CLI::App& pki, const GlobalOptions& global, Action& action);

// pki init | issue: checks --output, then runs `write` and prints the files it wrote and
// the new certificate.
int WriteAndPrint(const GlobalOptions& global, const std::string& command,
                  const std::function<absl::StatusOr<pki::PkiResult>()>& write);

// pki revoke | crl: checks --output, then runs `run` and prints the CRL and what is revoked.
int PrintCrl(const GlobalOptions& global, const std::string& command,
             const std::function<absl::StatusOr<pki::CrlResult>()>& run);

}  // namespace osfleet::ctl

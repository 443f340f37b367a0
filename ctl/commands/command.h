// What registering a command needs: the global options and the action the parse chooses.
// Each command declares its own flags, next to its run function; main runs the chosen
// action after parsing and exits with what it returns.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ctl/fleet/context.h"

namespace osfleet::ctl {

// Runs the chosen command; returns the process exit code (ctl/output/exit_code.h).
using Action = std::function<int()>;

// Opens the fleet (inventory, --limit, channels) and runs `run` on it; when that fails
// (bad input: exit 2), says why and `run` is not called.
int WithFleet(const GlobalOptions& global, const std::function<int(const FleetContext&)>& run);

// The same for a command that changes something: first every selected server's agent must
// be what the inventory says (name and role; ctl/fleet/identity_check.h), else exit 2 and
// `run` is not called.
int WithCheckedFleet(const GlobalOptions& global,
                     const std::function<int(const FleetContext&)>& run);

// --restart-timeout: a call that restarts services can take minutes, so with `restart` it
// gets at least that deadline. INVALID_ARGUMENT when `restart_timeout` does not parse.
absl::StatusOr<FanOutOptions> RestartFanOut(FanOutOptions fanout, bool restart,
                                            const std::string& restart_timeout);

// --confirm-timeout: more than zero (a window of none is no window) and at most the agent's
// bound (kConfirmWithinBounds, common/api/request_limits.h). INVALID_ARGUMENT naming the flag
// otherwise.
absl::Status CheckConfirmTimeout(absl::Duration window);

// --lease against --confirm-timeout: both durations; the lease at least kLeaseBounds.min
// (common/api/request_limits.h, the agent's own bound) and at most the window. INVALID_ARGUMENT
// naming the flag otherwise.
absl::Status CheckLeaseFlags(const std::string& lease, const std::string& confirm_timeout);

// The lease a rollout runs with: --lease as given (checked as above), or, when it was not
// given (empty), the shorter of kDefaultLease and --confirm-timeout.
inline constexpr char kDefaultLease[] = "30s";
absl::StatusOr<std::string> LeaseOrDefault(const std::string& lease,
                                           const std::string& confirm_timeout);

// When `command` is chosen on the command line, `run` becomes the action.
inline void OnChosen(CLI::App* command, Action& action, Action run) {
  command->callback([&action, run = std::move(run)] { action = run; });
}

}  // namespace osfleet::ctl

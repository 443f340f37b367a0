// The rollout journal: one JSON file per rollout in the operator's state dir, written
// atomically before every step, so that `rollout status | resume | rollback` can continue
// after the workstation crashed or osctl was interrupted.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace osfleet::ctl {

enum class HostState {
  kPlanned,     // not touched yet
  kApplying,    // Set sent; outcome unknown until the agent is asked
  kPending,     // changed and healthy, waiting for confirmation
  kConfirmed,   // changed and confirmed: final
  kFailed,      // the change failed there (the agent reverted it by itself)
  kRolledBack,  // changed, then rolled back by this rollout
};

enum class RolloutPhase {
  kPlanned,        // journal written, nothing changed
  kApplying,       // batches in progress
  kConfirming,     // every batch healthy; confirming
  kServiceCenter,  // confirmed; Service Center phase
  kDone,           // finished
  kStopped,        // stopped (failure beyond --max-fail, or interrupted): see note
  kRolledBack,     // every change of this rollout was rolled back
};

const char* HostStateName(HostState state);
const char* RolloutPhaseName(RolloutPhase phase);

struct HostRecord {
  std::string name;
  std::string role;  // deployment_controller | front_end
  int batch = 0;
  std::string old_revision;
  std::map<std::string, std::string> old_addresses;  // platform/log/session -> address
  std::string new_revision;
  std::string change_id;
  std::string backup_id;
  HostState state = HostState::kPlanned;
  std::string error;
  double restart_seconds = 0;
  // The Configuration Tool's last run there (masked): what ran, how it ended, its output.
  std::string configuration_tool;
  std::string configuration_tool_output;
};

struct RolloutOptions {
  std::string platform, log, session;  // the new addresses (empty = unchanged)
  std::string batch = "25%";
  int canary = 1;
  std::string max_fail = "0";
  std::string confirm_timeout = "10m";
  std::string lease = "30s";  // "0s": the window alone (a journal from before leases)
  std::string on_failure = "rollback";  // rollback | keep
  bool skip_service_center = false;
  // Adds /InstallServiceCenter to the Deployment Controller's Configuration Tool run, and
  // to its revert. osctl sets it unless --no-install-service-center; false in a journal
  // without the field (written when it was opt-in).
  bool install_service_center = false;
};

struct Journal {
  std::string id;    // "20261127-020301-3f9a"
  std::string path;  // where it is stored (not serialised)
  std::string inventory;
  absl::Time created;
  absl::Time updated;
  RolloutOptions options;
  RolloutPhase phase = RolloutPhase::kPlanned;
  int batches = 0;
  std::vector<HostRecord> hosts;
  std::string service_center;  // what the Service Center phase did, or why not
  std::string note;            // why it stopped, what is left to do

  HostRecord* Find(const std::string& name);
};

// $OSFLEET_STATE_DIR, else $XDG_STATE_HOME/osfleet, else ~/.local/state/osfleet;
// rollouts live in its "rollouts" folder.
std::string RolloutDir();

// Writes journal.path atomically (mode 0600), stamping `updated`. Creates the folder.
absl::Status SaveJournal(Journal& journal);
// id: a rollout id, or empty for the newest journal in RolloutDir().
absl::StatusOr<Journal> LoadJournal(const std::string& id);
// A fresh id and path in RolloutDir().
Journal NewJournal();

}  // namespace osfleet::ctl

// The rollout journal: one JSON file per rollout in the operator's state dir, written
// atomically before every step, so that `rollout status | resume | rollback` can continue
// after the workstation crashed or osctl was interrupted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ctl/ops/rollout/journal_dir.h"

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
// The state or phase of that name (the inverse of the above); false for an unknown name.
bool ParseHostState(absl::string_view name, HostState& out);
bool ParseRolloutPhase(absl::string_view name, RolloutPhase& out);

struct HostRecord {
  std::string name;
  std::string role;  // deployment_controller | front_end
  // The agent's address in the inventory the rollout started with ("10.0.0.12:7443"); a
  // resume, rollback or status compares it with the operator's inventory. Empty in a
  // journal written before it was recorded.
  std::string address;
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
  // What its plan warned of (e.g. a failover partner in its advanced settings).
  std::vector<std::string> warnings;
};

struct RolloutOptions {
  std::string platform, log, session;  // the new addresses (empty = unchanged)
  std::string batch = "25%";
  int canary = 1;
  std::string max_fail = "0";
  std::string confirm_timeout = "10m";
  std::string lease = "30s";            // "0s": the window alone (a journal from before leases)
  std::string on_failure = "rollback";  // rollback | keep
  // --advanced-settings: refuse | rewrite | keep (what the operator chose for addresses in
  // advanced-settings elements that name the old host; "refuse" in older journals).
  std::string advanced_settings = "refuse";
  bool skip_service_center = false;
  // Adds /InstallServiceCenter to the Deployment Controller's Configuration Tool run, and
  // to its revert. osctl sets it unless --no-install-service-center; false in a journal
  // without the field (written when it was opt-in).
  bool install_service_center = false;
  // --allow-different-server: a new address the identity check judged `different` (another
  // database server) is a loud warning instead of a refusal; a resume keeps it. False in a
  // journal without the field.
  bool allow_different_server = false;
};

// The last check of whether the old addresses are still used (drain.h): after a finished
// rollout, what every server said about the established TCP connections to each address the
// rollout moved away from. `checked` is InfinitePast until a check ran.
struct DrainConnection {
  uint32_t pid = 0;     // 0: the owner is not known
  std::string process;  // "w3wp.exe"; empty when not known
  std::string local, remote;
};

struct DrainServer {
  std::string name;
  std::string error;  // why this server could not tell (its connections are then unknown)
  // Connections to an endpoint only the old address reaches: still using it. At most
  // kMaxDrainConnectionsKept are kept; `count` is how many there were.
  int count = 0;
  std::vector<DrainConnection> connections;
  // Connections to an endpoint a current address reaches too (a DNS alias): not counted.
  int shared = 0;
};

struct DrainAddress {
  std::string database;                // platform | log | session: the first that had this address
  std::string address;                 // the old address ("db-old,1433")
  std::vector<std::string> endpoints;  // what the servers resolved it to ("10.0.0.5:1433")
  // Endpoints a current address resolves to as well (connections cannot tell them apart),
  // and that address; or, when the old address is still a current one (a database this
  // rollout did not move), `named_by` says which.
  std::vector<std::string> shared;
  std::string shared_with;
  std::string named_by;
  std::vector<DrainServer> servers;
  bool retire = false;  // whether the old name can be retired, and why (or why not)
  std::string reason;
};

struct DrainCheck {
  absl::Time checked = absl::InfinitePast();
  std::string waited;  // "--wait-drained 10m" as given; empty: one check
  std::vector<DrainAddress> addresses;
};

inline constexpr size_t kMaxDrainConnectionsKept = 16;  // per server and address

struct Journal {
  std::string id;         // "20261127-020301-3f9a"
  std::string path;       // where it is stored (not serialised)
  std::string inventory;  // the inventory's path when it started (a record: never used)
  // The fingerprint of the CA the rollout's agents were trusted with (CaFingerprint in
  // journal_fleet.h); empty in a journal written before it was recorded.
  std::string ca_fingerprint;
  absl::Time created;
  absl::Time updated;
  RolloutOptions options;
  RolloutPhase phase = RolloutPhase::kPlanned;
  int batches = 0;
  std::vector<HostRecord> hosts;
  std::string service_center;  // what the Service Center phase did, or why not
  std::string note;            // why it stopped, what is left to do
  DrainCheck drain;            // the last check of the old addresses (a finished rollout)

  HostRecord* Find(const std::string& name);
};

// The largest journal file read, checked before it is parsed (a few MB: thousands of
// servers with their Configuration Tool output).
inline constexpr size_t kMaxJournalBytes = 8u << 20;

// Writes journal.path atomically (mode 0600, its folder 0700), stamping `updated`.
// Creates the folder; refuses one that others may use (CheckJournalPrivate).
absl::Status SaveJournal(Journal& journal);
// id: a rollout id, or empty for the newest journal in RolloutDir(); a path (with a '/')
// is read as given. The journal is checked like a secret before it is read (the file and
// its folder are the operator's alone: CheckJournalPrivate), its size before it is parsed,
// and every field's type and bounds (journal_check.h): an error names the file and the
// field. A journal is a record, never authority: the commands compare it with the
// operator's inventory (journal_fleet.h).
absl::StatusOr<Journal> LoadJournal(const std::string& id);
// The same for one file.
absl::StatusOr<Journal> LoadJournalFile(const std::string& path);
// FAILED_PRECONDITION (refused: exit 3) naming path, what is wrong and the command that
// fixes it, when the journal file or its folder is not this user's alone (owned by another
// user, or its group or others may read or write it: platform::OwnerOnlyProblem).
absl::Status CheckJournalPrivate(const std::string& path, bool folder);
// A fresh id and path in RolloutDir().
Journal NewJournal();

}  // namespace osfleet::ctl

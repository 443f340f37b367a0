// The record of a change made with a confirm window, kept in the state dir so that an
// agent restarted inside the window still reverts it when the window ends.
//
// Inside a running agent the window and the lease are measured on the monotonic clock
// (confirm_until, lease_until); the file keeps the wall-clock deadline, which is all that
// means anything to the next process. A restarted agent gives the change what is left of
// its window by the wall clock (never more than the window) and a whole new lease.
#pragma once

#include <algorithm>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace osfleet::agent {

struct PendingChange {
  std::string change_id;
  std::string backup_id;          // the file before the change
  std::string backup_revision;    // its revision
  std::string revision;           // the file's revision after the change
  absl::Time deadline;            // reverted by itself unless confirmed before this
  bool restart_services = false;  // the change restarted services: so does the revert
  absl::Duration window;          // the confirm window it was made with
  absl::Duration lease;           // zero: no lease (only the window)
  // The change's Configuration Tool run added /InstallServiceCenter: so does its revert's
  // (Service Center was installed on the new database settings; put back on the old ones).
  bool install_service_center = false;
  // Who made it (OwnerKey of the caller: certificate CN and serial, or
  // "insecure-loopback"): only they may renew or shorten its lease. Empty in a record
  // written by an older agent: any operator may then renew it, as before.
  std::string owner;

  // This process's view (not stored): Clock::Monotonic() deadlines.
  absl::Duration confirm_until = absl::InfiniteDuration();
  absl::Duration lease_until = absl::InfiniteDuration();
  // The length the owner's last Renew asked for when it was shorter than `lease` (zero:
  // none was), for the reason a revert gives.
  absl::Duration shortened_to = absl::ZeroDuration();

  // When the agent must revert it: the end of the window or of the lease.
  absl::Duration ends() const { return std::min(confirm_until, lease_until); }
  bool has_lease() const { return lease > absl::ZeroDuration(); }
};

class PendingChangeFile {
 public:
  explicit PendingChangeFile(std::string path) : path_(std::move(path)) {}

  // nullopt when there is none; DATA_LOSS for a corrupt record (names the file).
  absl::StatusOr<std::optional<PendingChange>> Load() const;
  absl::Status Save(const PendingChange& change) const;  // atomically, mode 0600
  absl::Status Remove() const;

 private:
  std::string path_;
};

}  // namespace osfleet::agent

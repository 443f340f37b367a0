// The record of a change made with a confirm window, kept in the state dir so that an
// agent restarted inside the window still reverts it when the window ends.
#pragma once

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

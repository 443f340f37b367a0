// The logic behind osfleet.v1.Endpoints: read, plan, change and roll back this server's
// server.hsconf with compare-and-set on its revision, a backup before every write, and
// one mutation at a time. Knows nothing of gRPC.
#pragma once

#include <functional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agent/endpoints/backup_store.h"
#include "common/io/atomic_file.h"
#include "common/model/hsconf.h"

namespace osfleet::agent {

struct PlanOutcome {
  std::string revision;
  std::vector<FieldChange> changes;
  std::vector<std::string> warnings;
};

struct SetInput {
  std::vector<EndpointEdit> edits;
  std::string expected_revision;
  bool force = false;
  std::string reason;
  AdvancedSettingsChoice advanced = AdvancedSettingsChoice::kRefuse;
  // Called after the backup was taken and before the file is written (e.g. to record a
  // pending change first); an error stops the write.
  std::function<absl::Status(const std::string& change_id, const BackupInfo& backup,
                             const std::string& new_revision)>
      before_write{};
};

struct SetOutcome {
  std::string change_id;
  std::string previous_revision;
  std::string revision;
  std::vector<FieldChange> changes;  // empty: the file already had these addresses
  std::string backup_id;
  std::vector<std::string> warnings;
};

struct RollbackInput {
  std::string backup_id;
  std::string expected_revision;
  bool force = false;
  std::string reason;
};

struct RollbackOutcome {
  std::string previous_revision;
  std::string revision;
  std::string backup_id;  // the backup of the file as it was before
  std::vector<FieldChange> changes;
};

// The file is opened once per operation (its links resolved then, O_NOFOLLOW after); a
// Set or Rollback holds an advisory lock on it from the read to the rename (another agent
// on the same file waits up to kLockWait), refuses a folder others could write, and refuses
// to rename over a file that is no longer the one it read.
class HsconfStore {
 public:
  static constexpr absl::Duration kLockWait = absl::Seconds(10);

  HsconfStore(std::string path, BackupStore* backups);

  const std::string& path() const { return path_; }
  BackupStore* backups() const { return backups_; }

  // Reads and parses the file as it is now (it may change behind our back).
  absl::StatusOr<HsconfDocument> Read() const;
  // The file's revision now, "" when it cannot be read (audit lines, failed reverts).
  std::string CurrentRevision() const;
  absl::StatusOr<PlanOutcome> Plan(
      absl::Span<const EndpointEdit> edits, absl::string_view expected_revision,
      AdvancedSettingsChoice advanced = AdvancedSettingsChoice::kRefuse) const;
  absl::StatusOr<SetOutcome> Set(const SetInput& input);
  absl::StatusOr<RollbackOutcome> Rollback(const RollbackInput& input);
  absl::StatusOr<std::vector<BackupInfo>> ListBackups() const { return backups_->List(); }
  // At start-up: removes the temp files a killed agent left next to the file (under its
  // lock) and in the backup folder, and logs each.
  void RemoveStaleTempFiles() const;

 private:
  // Holds the single-mutation lock for its lifetime, or explains why it could not.
  class MutationGuard;

  absl::StatusOr<HsconfDocument> Parse(const EditableFile& file) const;
  absl::StatusOr<EditableFile> OpenLocked() const;
  // Checks the arguments, opens and locks the file, checks its folder.
  absl::StatusOr<EditableFile> OpenForChange(absl::string_view expected_revision, bool force) const;
  absl::StatusOr<HsconfDocument> ReadForChange(const EditableFile& file,
                                               absl::string_view expected_revision,
                                               bool force) const;
  absl::Status Write(const EditableFile& file, absl::string_view bytes) const;

  std::string path_;
  BackupStore* backups_;
  absl::Mutex mutation_mu_;
  std::string mutation_in_progress_ ABSL_GUARDED_BY(mutation_mu_);
};

// The address elements whose text differs between two parsed files.
std::vector<FieldChange> DiffAddresses(const HsconfDocument& before, const HsconfDocument& after);

}  // namespace osfleet::agent

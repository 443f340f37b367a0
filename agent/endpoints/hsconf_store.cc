#include "agent/endpoints/hsconf_store.h"

#include <spdlog/spdlog.h>

#include "common/api/logging.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/io/atomic_file.h"
#include "common/model/revision.h"
#include "common/platform/test_pause.h"

namespace osfleet::agent {
namespace {

std::string NewChangeId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrFormat("chg-%s-%08x",
                         absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()),
                         absl::Uniform<uint32_t>(*gen));
}

}  // namespace

class HsconfStore::MutationGuard {
 public:
  MutationGuard(HsconfStore* store, absl::string_view what) : store_(store) {
    absl::MutexLock lock(&store_->mutation_mu_);
    if (!store_->mutation_in_progress_.empty()) {
      status_ = absl::AbortedError(absl::StrCat("another change is in progress on this server (",
                                                store_->mutation_in_progress_,
                                                "); try again when it has finished"));
      return;
    }
    store_->mutation_in_progress_ = std::string(what);
  }
  ~MutationGuard() {
    if (!status_.ok()) return;
    absl::MutexLock lock(&store_->mutation_mu_);
    store_->mutation_in_progress_.clear();
  }
  const absl::Status& status() const { return status_; }

 private:
  HsconfStore* store_;
  absl::Status status_;
};

HsconfStore::HsconfStore(std::string path, BackupStore* backups)
    : path_(std::move(path)), backups_(backups) {}

absl::StatusOr<HsconfDocument> HsconfStore::Read() const {
  absl::StatusOr<EditableFile> file = EditableFile::Open(path_, {});
  if (!file.ok()) return file.status();
  return Parse(*file);
}

absl::StatusOr<HsconfDocument> HsconfStore::Parse(const EditableFile& file) const {
  absl::StatusOr<std::string> bytes = file.Read(kMaxHsconfBytes);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(*std::move(bytes));
  if (!doc.ok()) {
    return absl::Status(doc.status().code(), absl::StrCat(path_, ": ", doc.status().message()));
  }
  return doc;
}

std::string HsconfStore::CurrentRevision() const {
  absl::StatusOr<HsconfDocument> doc = Read();
  return doc.ok() ? doc->revision : "";
}

absl::StatusOr<EditableFile> HsconfStore::OpenLocked() const {
  EditableFile::Options options;
  options.lock = true;
  options.lock_wait = kLockWait;
  options.on_lock_wait = [this] {
    spdlog::warn(
        "{} is locked by another process (another osagent on the same file?); waiting "
        "up to {} for it",
        path_, absl::FormatDuration(kLockWait));
  };
  return EditableFile::Open(path_, options);
}

absl::StatusOr<EditableFile> HsconfStore::OpenForChange(absl::string_view expected_revision,
                                                        bool force) const {
  if (expected_revision.empty() && !force) {
    return absl::InvalidArgumentError(
        "expected_revision is required (read it with Endpoints.Get), unless force is set");
  }
  absl::StatusOr<EditableFile> file = OpenLocked();
  if (!file.ok()) return file.status();
  if (absl::Status s = file->CheckOnlyWeCanReplace(); !s.ok()) return s;
  return file;
}

absl::StatusOr<HsconfDocument> HsconfStore::ReadForChange(const EditableFile& file,
                                                          absl::string_view expected_revision,
                                                          bool force) const {
  absl::StatusOr<HsconfDocument> doc = Parse(file);
  if (!doc.ok()) return doc;
  if (!expected_revision.empty() && doc->revision != expected_revision && !force) {
    return absl::AbortedError(RevisionConflict(doc->revision, expected_revision));
  }
  return doc;
}

absl::Status HsconfStore::Write(const EditableFile& file, absl::string_view bytes) const {
  platform::PauseIfAsked("hsconf-before-write");
  AtomicWriteOptions options;
  options.after_step = [](WriteStep step) {
    if (step == WriteStep::kTempWritten) platform::PauseIfAsked("hsconf-temp-written");
  };
  return file.Replace(bytes, options);
}

absl::StatusOr<PlanOutcome> HsconfStore::Plan(absl::Span<const EndpointEdit> edits,
                                              absl::string_view expected_revision,
                                              AdvancedSettingsChoice advanced) const {
  absl::StatusOr<HsconfDocument> doc = Read();
  if (!doc.ok()) return doc.status();
  if (!expected_revision.empty() && doc->revision != expected_revision) {
    return absl::AbortedError(RevisionConflict(doc->revision, expected_revision));
  }
  absl::StatusOr<EditResult> edit = ApplyEdits(*doc, edits, advanced);
  if (!edit.ok()) return edit.status();
  return PlanOutcome{doc->revision, std::move(edit->changes), std::move(edit->warnings)};
}

absl::StatusOr<SetOutcome> HsconfStore::Set(const SetInput& input) {
  MutationGuard guard(this, "Set");
  if (!guard.status().ok()) return guard.status();
  // Locked from the read to the rename: another agent on the same file waits, then sees
  // the new revision.
  absl::StatusOr<EditableFile> file = OpenForChange(input.expected_revision, input.force);
  if (!file.ok()) return file.status();
  absl::StatusOr<HsconfDocument> doc = ReadForChange(*file, input.expected_revision, input.force);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<EditResult> edit = ApplyEdits(*doc, input.edits, input.advanced);
  if (!edit.ok()) return edit.status();
  SetOutcome out;
  out.change_id = NewChangeId();
  out.previous_revision = doc->revision;
  out.revision = doc->revision;
  out.warnings = std::move(edit->warnings);
  if (edit->changes.empty()) return out;
  absl::StatusOr<BackupInfo> backup = backups_->Save(
      doc->bytes,
      input.reason.empty() ? out.change_id : absl::StrCat(out.change_id, ": ", input.reason));
  if (!backup.ok()) return backup.status();
  const std::string new_revision = Sha256Hex(edit->bytes);
  if (input.before_write) {
    if (absl::Status s = input.before_write(out.change_id, *backup, new_revision); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = Write(*file, edit->bytes); !s.ok()) return s;
  out.backup_id = backup->id;
  out.revision = new_revision;
  out.changes = std::move(edit->changes);
  spdlog::info("set {}: revision {} -> {}, {} field(s) changed, backup {}", out.change_id,
               out.previous_revision, out.revision, out.changes.size(), out.backup_id);
  return out;
}

absl::StatusOr<RollbackOutcome> HsconfStore::Rollback(const RollbackInput& input) {
  MutationGuard guard(this, "Rollback");
  if (!guard.status().ok()) return guard.status();
  absl::StatusOr<EditableFile> file = OpenForChange(input.expected_revision, input.force);
  if (!file.ok()) return file.status();
  absl::StatusOr<HsconfDocument> doc = ReadForChange(*file, input.expected_revision, input.force);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<std::string> bytes = backups_->Read(input.backup_id);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<HsconfDocument> restored = ParseHsconf(*bytes);
  if (!restored.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("backup ", input.backup_id,
                     " is not a usable server.hsconf: ", restored.status().message()));
  }
  absl::StatusOr<BackupInfo> backup =
      backups_->Save(doc->bytes, absl::StrCat("before rollback to ", input.backup_id,
                                              input.reason.empty() ? "" : ": ", input.reason));
  if (!backup.ok()) return backup.status();
  if (absl::Status s = Write(*file, restored->bytes); !s.ok()) return s;
  RollbackOutcome out{doc->revision, restored->revision, backup->id,
                      DiffAddresses(*doc, *restored)};
  spdlog::info("rollback to {}: revision {} -> {}", input.backup_id, out.previous_revision,
               out.revision);
  return out;
}

void HsconfStore::RemoveStaleTempFiles() const {
  auto report = [](const absl::StatusOr<std::vector<std::string>>& removed,
                   absl::string_view where) {
    if (!removed.ok()) {
      spdlog::warn("looking for stale temp files {}: {}", where, removed.status().message());
      return;
    }
    for (const std::string& path : *removed) {
      spdlog::warn(
          "removed a stale temp file {} (left by an osagent stopped in the middle of a "
          "write)",
          path);
    }
  };
  // Under the file's lock: another agent on the same file holds it while its temp file
  // exists, so only files of writes that died are removed.
  absl::StatusOr<EditableFile> file = OpenLocked();
  if (file.ok()) {
    report(file->RemoveStaleTempFiles(), "next to server.hsconf");
  } else {
    spdlog::warn("not looking for stale temp files next to {}: {}", path_, file.status().message());
  }
  if (backups_ != nullptr) report(backups_->RemoveStaleTempFiles(), "in the backup folder");
}

std::vector<FieldChange> DiffAddresses(const HsconfDocument& before, const HsconfDocument& after) {
  std::vector<FieldChange> out;
  for (DatabaseId id : kAllDatabases) {
    for (const AddressElement& b : before.section(id).elements) {
      const AddressElement* a = after.section(id).Element(b.name);
      const std::string new_text = a == nullptr ? "" : a->text;
      if (new_text != b.text) out.push_back({id, b.name, b.text, new_text, ""});
    }
  }
  return out;
}

}  // namespace osfleet::agent

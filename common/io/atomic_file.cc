#include "common/io/atomic_file.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/io/os_status.h"
#include "common/platform/files.h"

namespace osfleet {

absl::StatusOr<std::string> ReadFileCapped(const std::string& path, size_t max_bytes) {
  return ToStatusOr(platform::ReadFileCapped(path, max_bytes));
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes,
                                 const AtomicWriteOptions& options) {
  return ToStatus(
      platform::ReplaceFileAtomically(path, std::string_view(bytes.data(), bytes.size()), options));
}

absl::Status MakeDirs(const std::string& path, platform::FileMode mode) {
  platform::Result<void> made = platform::MakeDirs(path, mode);
  if (!made.ok()) return absl::FailedPreconditionError(made.error().Message());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RemoveStaleTempFiles(const std::string& folder) {
  return ToStatusOr(platform::RemoveStaleTempFiles(folder));
}

absl::StatusOr<EditableFile> EditableFile::Open(const std::string& path, const Options& options) {
  platform::EditableFile::Options o;
  o.lock = options.lock;
  o.lock_wait = std::chrono::milliseconds(absl::ToInt64Milliseconds(options.lock_wait));
  o.on_lock_wait = options.on_lock_wait;
  platform::Result<platform::EditableFile> file = platform::EditableFile::Open(path, o);
  if (!file.ok() && file.error().code == platform::Errc::kLockHeld) {
    return absl::AbortedError(
        absl::StrCat(file.error().Message(), " (another osagent changing it?); try again"));
  }
  if (!file.ok()) return ToStatus(file.error());
  return EditableFile(*std::move(file));
}

absl::StatusOr<std::string> EditableFile::Read(size_t max_bytes) const {
  return ToStatusOr(file_.Read(max_bytes));
}

absl::Status EditableFile::CheckOnlyWeCanReplace() const {
  platform::Result<std::string> who = file_.WhoElseCanReplace();
  if (!who.ok()) return ToStatus(who.error());
  if (who->empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("refusing to change ", file_.path(), ": ", *who,
                   "; someone else could swap the file for a link to another one while it is being "
                   "written; ",
                   platform::RestrictWritersAdvice()));
}

absl::Status EditableFile::Replace(absl::string_view bytes,
                                   const AtomicWriteOptions& options) const {
  platform::Result<bool> replaced =
      file_.Replace(std::string_view(bytes.data(), bytes.size()), options);
  if (!replaced.ok()) return ToStatus(replaced.error());
  if (!*replaced) {
    return absl::AbortedError(absl::StrCat(
        file_.path(),
        " was replaced while it was being changed (the name now holds another file or a "
        "link); nothing was written: read it again"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> EditableFile::RemoveStaleTempFiles() const {
  return ToStatusOr(file_.RemoveStaleTempFiles());
}

}  // namespace osfleet

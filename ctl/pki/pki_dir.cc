#include "ctl/pki/pki_dir.h"

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "common/platform/files.h"

namespace osfleet::ctl::pki {
namespace {

absl::Status FailedStep(const char* what, const std::string& path, const platform::Error& error) {
  return absl::FailedPreconditionError(absl::StrCat(what, " ", path, ": ", error.Reason()));
}

}  // namespace

std::string PathIn(const std::string& dir, const std::string& file) {
  if (dir.empty()) return file;
  return dir.back() == '/' ? dir + file : absl::StrCat(dir, "/", file);
}

absl::Status EnsurePrivateDir(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string prefix = dir.substr(0, slash);
    if (platform::Result<platform::PathKind> kind = platform::KindOf(prefix); kind.ok()) {
      if (*kind != platform::PathKind::kFolder) {
        return absl::FailedPreconditionError(absl::StrCat(prefix, " is not a folder"));
      }
    } else if (platform::Result<void> made = platform::MakePrivateDir(prefix); !made.ok()) {
      return FailedStep("creating", prefix, made.error());
    }
    if (slash == std::string::npos) return absl::OkStatus();
  }
}

absl::Status RefuseToOverwrite(const std::vector<std::string>& paths, bool force) {
  if (force) return absl::OkStatus();
  for (const std::string& path : paths) {
    if (platform::PathExists(path)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " already exists; refusing to overwrite it (use --force to replace)"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteKeyAndCertificate(const std::string& key_path, const std::string& key_pem,
                                    const std::string& cert_path, const std::string& cert_pem) {
  const bool key_existed = platform::PathExists(key_path);
  // An existing file keeps its mode through WriteFileAtomically: make it private first.
  if (key_existed) {
    if (platform::Result<void> r = platform::SetFileMode(key_path, kKeyMode); !r.ok()) {
      return FailedStep("making private", key_path, r.error());
    }
  }
  AtomicWriteOptions key_options;
  key_options.new_file_mode = kKeyMode;
  if (absl::Status s = WriteFileAtomically(key_path, key_pem, key_options); !s.ok()) return s;
  AtomicWriteOptions cert_options;
  cert_options.new_file_mode = kCertificateMode;
  absl::Status s = WriteFileAtomically(cert_path, cert_pem, cert_options);
  if (!s.ok() && !key_existed) (void)platform::RemoveFile(key_path);
  return s;
}

}  // namespace osfleet::ctl::pki

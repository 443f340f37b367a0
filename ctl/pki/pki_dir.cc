#include "ctl/pki/pki_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"

namespace osfleet::ctl::pki {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

absl::Status ErrnoError(const char* what, const std::string& path) {
  return absl::FailedPreconditionError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
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
    struct stat st;
    if (stat(prefix.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(absl::StrCat(prefix, " is not a folder"));
      }
    } else if (mkdir(prefix.c_str(), 0700) != 0 || chmod(prefix.c_str(), 0700) != 0) {
      return ErrnoError("creating", prefix);
    }
    if (slash == std::string::npos) return absl::OkStatus();
  }
}

absl::Status RefuseToOverwrite(const std::vector<std::string>& paths, bool force) {
  if (force) return absl::OkStatus();
  for (const std::string& path : paths) {
    if (Exists(path)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " already exists; refusing to overwrite it (use --force to replace)"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteKeyAndCertificate(const std::string& key_path, const std::string& key_pem,
                                    const std::string& cert_path, const std::string& cert_pem) {
  const bool key_existed = Exists(key_path);
  // An existing file keeps its mode through WriteFileAtomically: make it private first.
  if (key_existed && chmod(key_path.c_str(), kKeyMode) != 0) {
    return ErrnoError("making private", key_path);
  }
  AtomicWriteOptions key_options;
  key_options.new_file_mode = kKeyMode;
  if (absl::Status s = WriteFileAtomically(key_path, key_pem, key_options); !s.ok()) return s;
  AtomicWriteOptions cert_options;
  cert_options.new_file_mode = kCertificateMode;
  absl::Status s = WriteFileAtomically(cert_path, cert_pem, cert_options);
  if (!s.ok() && !key_existed) unlink(key_path.c_str());
  return s;
}

}  // namespace osfleet::ctl::pki

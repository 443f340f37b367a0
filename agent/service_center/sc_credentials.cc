#include "agent/service_center/sc_credentials.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/io/atomic_file.h"
#include "common/platform/files.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxPasswordFileBytes = 4096;

}  // namespace

Redactor CredentialRedactor(const sc_wire::Credentials& credentials) {
  Redactor redactor;
  const absl::string_view bare = absl::StripPrefix(credentials.encrypted_password, "#");
  redactor.AddSecret(bare);
  // What PublishRequest sends, and the same without the '#'.
  redactor.AddBasicCredentials(credentials.user, credentials.encrypted_password);
  redactor.AddBasicCredentials(credentials.user, bare);
  return redactor;
}

absl::StatusOr<std::string> ReadEncryptedPassword(const std::string& path) {
  constexpr absl::string_view kKey = "password_encrypted_file ";
  const platform::Result<platform::PathKind> kind = platform::KindOf(path);
  if (!kind.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(kKey, path, ": ", kind.error().Reason()));
  }
  if (*kind != platform::PathKind::kFile) {
    return absl::FailedPreconditionError(absl::StrCat(kKey, path, " is not a regular file"));
  }
  const platform::Result<bool> is_private = platform::SecretFileIsPrivate(path);
  if (!is_private.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(kKey, path, ": ", is_private.error().Reason()));
  }
  if (!*is_private) {
    return absl::FailedPreconditionError(absl::StrCat(
        kKey, path, " is readable by others; run: ", platform::MakePrivateCommand(path)));
  }
  absl::StatusOr<std::string> text = ReadFileCapped(path, kMaxPasswordFileBytes);
  if (!text.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(kKey, text.status().message()));
  }
  const absl::string_view encrypted = absl::StripAsciiWhitespace(*text);
  if (encrypted.empty() || encrypted == "#") {
    return absl::FailedPreconditionError(absl::StrCat(kKey, path, " is empty"));
  }
  return absl::StartsWith(encrypted, "#") ? std::string(encrypted) : absl::StrCat("#", encrypted);
}

}  // namespace osfleet::agent

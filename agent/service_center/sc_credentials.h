// The Service Center credentials of the agent's config: the encrypted password file
// (password_encrypted_file) and what masks them in every text the driver hands on.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "agent/service_center/sc_wire.h"
#include "common/text/redact.h"

namespace osfleet::agent {

// Reads '#' + the encrypted password from path (whitespace trimmed, '#' added when
// missing). FAILED_PRECONDITION when the file is missing, not a regular file, readable by
// everyone or empty; the message names the path, never the content.
absl::StatusOr<std::string> ReadEncryptedPassword(const std::string& path);

// What masks the credentials in every text the driver hands on (events, statuses, log
// lines, the bodies it reads): the encrypted password with and without its '#', and base64
// of "user:#…" (the REST call's Basic header) and of "user:…" without the '#'.
Redactor CredentialRedactor(const sc_wire::Credentials& credentials);

}  // namespace osfleet::agent

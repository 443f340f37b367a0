// --db-admin-credentials FILE and --db-admin-user NAME: the database administrator's
// credentials that the agents' Configuration Tool switches need (/SetupInstall,
// /RebuildSession, /WithWindowsAuthentication), sent with one change inside its mTLS
// request. Never printed, logged or written to the journal.
//
// FILE is YAML, one `name: value` per placeholder of the agents' configuration_tool.apply,
// and must be private (chmod 600):
//   db_admin_user: sa
//   db_admin_password: "..."
// --db-admin-user NAME instead asks for the password at the terminal, without echo, and
// supplies db_admin_user and db_admin_password.
#pragma once

#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::ctl {

struct DbCredentialFlags {
  std::string file;
  std::string user;
};

void AddDbCredentialFlags(CLI::App* command, DbCredentialFlags& flags);

using DbCredentials = std::map<std::string, std::string>;

// Empty when neither flag was given. INVALID_ARGUMENT naming the file, line and key (never
// a value) for a bad file, both flags at once, or a prompt without a terminal;
// FAILED_PRECONDITION when the file is readable by others (with the command that fixes it).
absl::StatusOr<DbCredentials> ResolveDbCredentials(const DbCredentialFlags& flags);

// Reads FILE as described above.
absl::StatusOr<DbCredentials> LoadDbCredentials(const std::string& path);

// Copies credentials into a request's Configuration Tool options.
void AddCredentials(const DbCredentials& credentials, v1::ConfigurationToolOptions* options);

}  // namespace osfleet::ctl

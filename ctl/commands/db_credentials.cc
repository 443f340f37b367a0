#include "ctl/commands/db_credentials.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/api/request_limits.h"
#include "common/io/os_status.h"
#include "common/platform/files.h"
#include "common/platform/terminal.h"
#include "common/text/yaml_util.h"
#include "ctl/completion/command_tree.h"

namespace osfleet::ctl {

void AddDbCredentialFlags(CLI::App* command, DbCredentialFlags& flags) {
  TakesFile(
      command->add_option("--db-admin-credentials", flags.file,
                          "YAML file (chmod 600) of the credentials the agents' Configuration Tool "
                          "switches need, name: value (e.g. db_admin_user, db_admin_password)"));
  command->add_option("--db-admin-user", flags.user,
                      "database admin user; asks for the password without echo "
                      "(fills db_admin_user and db_admin_password)");
}

absl::StatusOr<DbCredentials> LoadDbCredentials(const std::string& path) {
  platform::Result<bool> is_private = platform::SecretFileIsPrivate(path);
  if (!is_private.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--db-admin-credentials: ", is_private.error().Message()));
  }
  if (!*is_private) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--db-admin-credentials: ", path,
        " holds passwords but others may read it; run: ", platform::MakePrivateCommand(path)));
  }
  absl::StatusOr<YAML::Node> root = LoadYamlFile(path);
  if (!root.ok()) {
    return absl::Status(root.status().code(),
                        absl::StrCat("--db-admin-credentials: ", root.status().message()));
  }
  if (!root->IsMap() || root->size() == 0) {
    return YamlError(path, *root,
                     "--db-admin-credentials: expected `name: value` lines, e.g. "
                     "db_admin_user: sa");
  }
  if (root->size() > kMaxCredentials) {
    return YamlError(path, *root,
                     absl::StrCat("--db-admin-credentials: ", root->size(),
                                  " credentials, at most ", kMaxCredentials));
  }
  DbCredentials out;
  for (const auto& item : *root) {
    absl::StatusOr<std::string> name = YamlString(path, item.first, "name");
    if (!name.ok()) return name.status();
    if (!IsCredentialName(*name)) {
      return YamlError(
          path, item.first,
          absl::StrCat("'", *name, "' is not a placeholder name (letters, digits, '_')"));
    }
    if (!item.second.IsScalar() || item.second.Scalar().empty() ||
        item.second.Scalar().size() > kMaxCredentialValueBytes) {
      return YamlError(path, item.second,
                       absl::StrCat(*name, ": expected a text value of 1 to ",
                                    kMaxCredentialValueBytes, " bytes"));
    }
    out[*name] = item.second.Scalar();
  }
  return out;
}

absl::StatusOr<DbCredentials> ResolveDbCredentials(const DbCredentialFlags& flags) {
  if (!flags.file.empty() && !flags.user.empty()) {
    return absl::InvalidArgumentError(
        "--db-admin-credentials and --db-admin-user: give one of them");
  }
  if (!flags.file.empty()) return LoadDbCredentials(flags.file);
  if (flags.user.empty()) return DbCredentials{};
  std::optional<std::string> password =
      platform::ReadHiddenLine(absl::StrCat("Password of the database admin ", flags.user, ": "));
  if (!password.has_value()) {
    return absl::InvalidArgumentError(
        "--db-admin-user: the password is asked at a terminal and there is none (stdin is "
        "not a terminal); use --db-admin-credentials FILE");
  }
  if (password->empty()) return absl::InvalidArgumentError("--db-admin-user: empty password");
  return DbCredentials{{"db_admin_user", flags.user}, {"db_admin_password", *password}};
}

void AddCredentials(const DbCredentials& credentials, v1::ConfigurationToolOptions* options) {
  for (const auto& [name, value] : credentials) (*options->mutable_credentials())[name] = value;
}

}  // namespace osfleet::ctl

// Runs the OutSystems Configuration Tool's command line (ConfigurationTool.com) the way an
// administrator's "Apply and Exit" does: after server.hsconf changed, with the configured
// `apply` switches, placeholders filled from the credentials of this one change. Reports
// its exit, the tail of its output and the lines it added to its log, with every secret
// masked. Blocking: runs off the gRPC threads.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/activity/activity_board.h"
#include "agent/configuration_tool/tool_section.h"
#include "common/text/redact.h"

namespace osfleet::agent {

// Credentials for the placeholders of `apply`, by name (e.g. db_admin_user,
// db_admin_password). Held in memory for one change only: never logged or written. Every
// copy overwrites its values when it is destroyed, cleared or assigned over (common/text/wipe.h),
// so that a password does not outlive the change in freed memory, a core file or what
// another process reads of this one.
class ToolCredentials : public std::map<std::string, std::string> {
 public:
  using Base = std::map<std::string, std::string>;
  using Base::Base;
  ToolCredentials() = default;
  ToolCredentials(const Base& other) : Base(other) {}        // NOLINT: a map is credentials
  ToolCredentials(Base&& other) : Base(std::move(other)) {}  // NOLINT
  ToolCredentials(const ToolCredentials& other) : Base(other) {}
  ToolCredentials(ToolCredentials&& other) noexcept : Base(std::move(other)) {}
  ToolCredentials& operator=(const ToolCredentials& other);
  ToolCredentials& operator=(ToolCredentials&& other) noexcept;
  ~ToolCredentials();
  // Overwrites every value, then empties the map.
  void clear();
};

// What osctl asks of the tool with one change.
struct ToolRequest {
  bool install_service_center = false;  // adds /InstallServiceCenter
  ToolCredentials credentials;
};

// One run of the tool, every text masked.
struct ToolRun {
  bool ran = false;          // false: not run (status says why)
  std::string command_line;  // program name and switches, secrets as ***
  int exit_code = -1;        // when it exited by itself
  bool timed_out = false;
  std::string output;    // the last lines of its output
  std::string log_tail;  // the last lines it added to its log file
  absl::Duration duration;
  absl::Status status;  // OK when it exited with status 0

  // "ConfigurationTool.com /UpgradeInstall exited with status 0 after 1.2s".
  std::string Summary() const;
};

class ConfigurationTool {
 public:
  explicit ConfigurationTool(ConfigurationToolConfig config);

  // FAILED_PRECONDITION naming each credential `apply` needs that `credentials` lacks.
  absl::Status CheckCredentials(const ToolCredentials& credentials) const;
  // The same for `apply_settings` (the Service Center phase's Apply Settings step).
  absl::Status CheckApplySettingsCredentials(const ToolCredentials& credentials) const;
  // `apply` (plus /InstallServiceCenter when asked), as after every change.
  ToolRun Apply(const ToolRequest& request) const;
  // `apply_settings`, its placeholders filled from `credentials` (checked first: a missing
  // one is a run that did not start, its status FAILED_PRECONDITION naming it).
  ToolRun ApplySettings(const ToolCredentials& credentials) const;
  // These switches alone, placeholders filled from `credentials` (the caller checked them).
  ToolRun Run(const std::vector<std::string>& switches,
              const ToolCredentials& credentials = {}) const;

  const ConfigurationToolConfig& config() const { return config_; }

  // Each run is on `board` (may be null) while it runs: Agent.GetActivity shows it with
  // its log's latest line.
  void set_activity(ActivityBoard* board) { activity_ = board; }

 private:
  ToolRun RunArgs(std::vector<std::string> args, const ToolCredentials& credentials,
                  absl::string_view step) const;

  ConfigurationToolConfig config_;
  ActivityBoard* activity_ = nullptr;
};

// The credential values a run masks: every one whose name does not end in "user".
Redactor CredentialRedactor(const ToolCredentials& credentials);
// Adds those values to `redactor` (one that masks other secrets too).
void AddToolSecrets(const ToolCredentials& credentials, Redactor& redactor);

// `arg` with each ${name} replaced by credentials[name]; names without a credential stay as
// written.
std::string FillPlaceholders(const std::string& arg, const ToolCredentials& credentials);

}  // namespace osfleet::agent

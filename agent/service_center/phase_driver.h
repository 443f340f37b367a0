// The Service Center phase of the procedure: after every server points to the new
// database, make the published modules pick it up ("Apply Settings to the Factory", then
// "Publish Current Running Version" of what Service Center still flags). With the agent's
// Configuration Tool it runs `ConfigurationTool.com /ApplySettingsFactory`, waits until
// Service Center answers again (the tool restarts this server's services) and republishes
// only the flagged modules; without one it republishes every module's running version.
// Runs once per rollout, on the Deployment Controller. Drivers: `http` (the Service
// Center web services) and `command` (an administrator's script). Blocking: run it off the
// gRPC threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/activity/activity_board.h"
#include "agent/configuration_tool/tool_section.h"
#include "agent/doctor/check_row.h"
#include "agent/service_center/wsdl.h"
#include "common/time/cancel.h"

namespace osfleet::agent {

// Service Center's StatusMessages of a module (Modules_Get): an Id and its text.
struct ScStatusMessage {
  int64_t id = 0;
  std::string message;
};

// The status message Ids that call for a republish (OutSystems.SetupTools filters
// Modules_Get on them): outdated references, and not published since the last version
// update.
inline constexpr int64_t kStatusOutdatedReferences = 6;
inline constexpr int64_t kStatusNotPublishedSinceUpdate = 13;

struct ScModule {
  std::string name, key, kind;
  std::vector<ScStatusMessage> status_messages;
};

// True when one of the module's status messages is 6 or 13.
bool IsFlagged(const ScModule& module);
// Why it is flagged: "6 outdated references; 13 not published since the last version
// update" (Service Center's text in quotes after each when it sent one); empty when it is
// not.
std::string FlagReasons(const ScModule& module);

// How the phase applies the settings: the Configuration Tool's /ApplySettingsFactory, or
// by republishing (every module's running version regenerates its settings).
enum class ApplySettings { kRepublish, kConfigurationTool };
// Which modules the phase republishes after that: the ones Service Center flags (6, 13),
// all of them, or none.
enum class Republish { kOutdated, kAll, kNone };

std::string ApplySettingsName(ApplySettings a);  // "republish", "configuration_tool"
std::string RepublishName(Republish r);          // "outdated", "all", "none"

enum class PublishMessageType { kInfo, kWarning, kError, kPublishStop, kOther };

struct PublishMessage {
  PublishMessageType type = PublishMessageType::kInfo;
  std::string type_text;  // as Service Center sent it
  std::string message;
  std::string detail;
  int64_t id = 0;
};

struct PhaseOptions {
  // Run no tool and publish nothing: say what would run and list the modules (and the
  // ones flagged now) only.
  bool dry_run = false;
  bool stop_on_warning = false;                 // abort the publish at the first warning
  bool abort_on_error = true;                   // abort the publish at the first error
  std::vector<std::string> modules;             // names to republish; empty = every module
  absl::Duration deadline = absl::Minutes(60);  // the whole phase
  // The client's cancel and deadline: asked at every poll; once cancelled the publish is
  // aborted (http) or the command's process group killed, and Run returns CANCELLED or
  // DEADLINE_EXCEEDED.
  CancelToken cancel;
  // Values for the ${name} placeholders of configuration_tool.apply_settings (e.g.
  // windows_auth_password), for this phase only; masked in every text it hands on.
  std::map<std::string, std::string> tool_credentials;
  // Where the Apply Settings step's tool run shows while it runs (may be null).
  ActivityBoard* activity = nullptr;
};

// The Apply Settings step: what runs (or would), then how it went.
struct SettingsStep {
  std::string command_line;  // the program and its switches, secrets masked
  bool dry_run = false;      // not run: it would
  int exit_code = -1;        // kSettingsApplied: when it exited by itself
  bool timed_out = false;
  std::string output;    // the tail of its output
  std::string log_tail;  // the lines it added to its log
  absl::Duration duration;
  std::string error;  // empty when it succeeded
};

// Waiting for Service Center to answer again after the tool restarted the services.
struct ServiceCenterWait {
  int attempts = 0;  // Modules_Get calls so far
  absl::Duration waited;
  std::string last_error;  // kWaitingForServiceCenter: why it does not answer yet
};

struct PhaseEvent {
  enum class Kind {
    kWire,  // wire, wire_note: the names the http driver uses, first thing in a phase
    kModulesListed,
    kPublishStarted,
    kMessage,
    kAborting,
    kApplyingSettings,         // settings: about to run (or, dry run, would run)
    kSettingsApplied,          // settings: ran, successfully or not (error)
    kWaitingForServiceCenter,  // wait: the first Modules_Get after the tool failed
    kServiceCenterAnswering,   // wait: Service Center answers again
  };
  Kind kind = Kind::kMessage;
  std::vector<ScModule> modules;          // kModulesListed: to republish (after filtering)
  std::vector<ScModule> flagged;          // kModulesListed: flagged (6, 13), whatever `republish`
  int listed = 0;                         // kModulesListed: all that Service Center listed
  Republish republish = Republish::kAll;  // kModulesListed
  bool dry_run = false;                   // kModulesListed
  std::string publish_id;                 // kPublishStarted
  PublishMessage message;                 // kMessage
  std::string reason;                     // kAborting: why the publish is being aborted
  SettingsStep settings;                  // kApplyingSettings, kSettingsApplied
  ServiceCenterWait wait;                 // kWaitingForServiceCenter, kServiceCenterAnswering
  sc_wire::Wire wire;                     // kWire: source, and each operation's names
  std::string wire_note;                  // kWire: why conventions (what ?WSDL answered)
};

struct PhaseResult {
  std::string publish_id;         // empty for a dry run (and for the command driver)
  int modules = 0;                // republished (would be, for a dry run); 0 for the command driver
  int listed = 0;                 // modules Service Center listed (after --module names)
  int flagged = 0;                // of those, flagged by a status message 6 or 13
  bool settings_applied = false;  // /ApplySettingsFactory ran and succeeded
  std::optional<Republish> republish;  // the http driver's policy
  // Messages seen: warnings, errors, and infos = every other message (Info, PublishStop,
  // unknown types), so infos + warnings + errors = all messages reported.
  int infos = 0, warnings = 0, errors = 0;
  bool dry_run = false;
  bool aborted = false;
};

using PhaseEventSink = std::function<void(const PhaseEvent&)>;

class PhaseDriver {
 public:
  virtual ~PhaseDriver() = default;
  // Runs the phase and reports every step to `sink` as it happens. OK only when the
  // publish finished without errors (and without warnings if stop_on_warning). Errors:
  // UNAUTHENTICATED (credentials refused), PERMISSION_DENIED (HTTP 403), UNAVAILABLE
  // (cannot connect, after retries), DEADLINE_EXCEEDED (options.deadline or the client's
  // deadline passed: the publish was aborted), CANCELLED (the client cancelled: aborted
  // too), FAILED_PRECONDITION (publish errors, warnings with stop_on_warning, unknown
  // module names, SOAP faults, TLS verification, the encrypted password file, a failed
  // /ApplySettingsFactory), RESOURCE_EXHAUSTED (an answer, the module list or the publish
  // request past the config's caps, before anything is published; the message names the
  // key), DATA_LOSS (malformed XML or JSON), INTERNAL (well-formed
  // answers of the wrong shape); the message says what was wrong. Never includes the
  // encrypted password in any status, event or log line.
  virtual absl::StatusOr<PhaseResult> Run(const PhaseOptions& options,
                                          const PhaseEventSink& sink) = 0;

  // Before anything runs: FAILED_PRECONDITION naming each credential the Apply Settings
  // step would need that options.tool_credentials lacks (a dry run needs none). Names only,
  // never a value. The base class needs none.
  virtual absl::Status CheckCredentials(const PhaseOptions& options) const;

  // `osctl doctor`'s read-only look at Service Center before a rollout, within
  // `deadline` (and until `cancel` fires): rows named "service_center.…". Never applies
  // settings, publishes or aborts anything. The base class answers one warn row saying
  // this driver has no read-only check.
  virtual std::vector<CheckRow> Check(absl::Time deadline, const CancelToken& cancel);
};

struct HttpDriverConfig {
  std::string url;  // e.g. https://dc01.corp.example.com/ServiceCenter, or the bare host
  std::string user;
  // Holds '#' + the platform's encryption of the password (what Service Center's web
  // services take; OutSystems' Password(...).EncryptedValue); must not be world-readable.
  std::string password_encrypted_file;
  std::string staging_name = "osfleet";
  std::string ca_file;                // CA bundle for HTTPS; empty = system CAs
  bool insecure_skip_verify = false;  // only when named explicitly in the config
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration poll_interval = absl::Seconds(2);
  int connect_retries = 3;  // on connection errors only
  ApplySettings apply_settings = ApplySettings::kRepublish;
  Republish republish = Republish::kAll;
  // Required with ApplySettings::kConfigurationTool: the agent's `configuration_tool:`.
  std::optional<ConfigurationToolConfig> configuration_tool;
  // A saved copy of PlatformServices' WSDL, read instead of <url>/…asmx?WSDL (for farms
  // that hide it); empty: fetch it.
  std::string wsdl_file;
  // Caps on what a Service Center may make the phase handle, checked before anything is
  // published (a factory of 5 000 modules answers Modules_Get in ~1 MiB): the size of
  // any answer read (max_answer_mib), the modules one Modules_Get may list (max_modules)
  // and the size of the publish request (max_publish_mib).
  int64_t max_answer_mib = 32;
  int64_t max_modules = 20000;
  int64_t max_publish_mib = 8;
};

struct CommandDriverConfig {
  std::vector<std::string> command;  // argv; command[0] absolute
  std::map<std::string, std::string> env;
};

struct ServiceCenterConfig {
  enum class Driver { kHttp, kCommand } driver = Driver::kHttp;
  HttpDriverConfig http;
  CommandDriverConfig command;
  // `apply_settings:` and `republish:` as written (unset: the default, which depends on
  // whether the agent has a Configuration Tool); where they were written ("FILE:LINE: ").
  std::optional<ApplySettings> apply_settings;
  std::optional<Republish> republish;
  std::string apply_settings_where, republish_where;
};

// Whether the phase runs the agent's Configuration Tool (`tool`) for Apply Settings: the
// http driver, apply_settings: configuration_tool as written or by default.
bool PhaseRunsConfigurationTool(const ServiceCenterConfig& config,
                                const std::optional<ConfigurationToolConfig>& tool);

// Checks the config (e.g. the encrypted password file exists, holds something, and is not
// world-readable), settles apply_settings / republish against the agent's Configuration
// Tool (`tool`: its `configuration_tool:` section, if any) and builds the driver.
// FAILED_PRECONDITION / INVALID_ARGUMENT naming the key that is wrong.
absl::StatusOr<std::unique_ptr<PhaseDriver>> MakePhaseDriver(
    const ServiceCenterConfig& config,
    const std::optional<ConfigurationToolConfig>& tool = std::nullopt);

}  // namespace osfleet::agent

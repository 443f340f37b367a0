// The Service Center phase of the procedure: after every server points to the new
// database, republish the running version of every module (or a filtered set) so that
// their settings are regenerated ("Apply Settings" + "Publish Current Running Version").
// Runs once per rollout, on the Deployment Controller. Drivers: `http` (the Service
// Center web services) and `command` (an administrator's script). Blocking: run it off the
// gRPC threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/cancel.h"

namespace osfleet::agent {

struct ScModule {
  std::string name, key, kind;
};

enum class PublishMessageType { kInfo, kWarning, kError, kPublishStop, kOther };

struct PublishMessage {
  PublishMessageType type = PublishMessageType::kInfo;
  std::string type_text;  // as Service Center sent it
  std::string message;
  std::string detail;
  int64_t id = 0;
};

struct PhaseOptions {
  bool dry_run = false;                         // list the modules only; publish nothing
  bool stop_on_warning = false;                 // abort the publish at the first warning
  bool abort_on_error = true;                   // abort the publish at the first error
  std::vector<std::string> modules;             // names to republish; empty = every module
  absl::Duration deadline = absl::Minutes(60);  // the whole phase
  // The client's cancel and deadline: asked at every poll; once cancelled the publish is
  // aborted (http) or the command's process group killed, and Run returns CANCELLED or
  // DEADLINE_EXCEEDED.
  CancelToken cancel;
};

struct PhaseEvent {
  enum class Kind { kModulesListed, kPublishStarted, kMessage, kAborting };
  Kind kind = Kind::kMessage;
  std::vector<ScModule> modules;  // kModulesListed (after filtering)
  std::string publish_id;         // kPublishStarted
  PublishMessage message;         // kMessage
  std::string reason;             // kAborting: why the publish is being aborted
};

struct PhaseResult {
  std::string publish_id;  // empty for a dry run (and for the command driver)
  int modules = 0;         // republished (listed, for a dry run); 0 for the command driver
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
  // module names, SOAP faults, TLS verification, the hash file),
  // DATA_LOSS (malformed XML or JSON), INTERNAL (well-formed answers of the wrong shape);
  // the message says what was wrong. Never includes the password hash in any status,
  // event or log line.
  virtual absl::StatusOr<PhaseResult> Run(const PhaseOptions& options,
                                          const PhaseEventSink& sink) = 0;
};

struct HttpDriverConfig {
  std::string url;  // e.g. https://dc01.corp.example.com (no path)
  std::string user;
  std::string password_hash_file;  // holds '#' + hash; must not be world-readable
  std::string staging_name = "osfleet";
  std::string ca_file;                // CA bundle for HTTPS; empty = system CAs
  bool insecure_skip_verify = false;  // only when named explicitly in the config
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration poll_interval = absl::Seconds(2);
  int connect_retries = 3;  // on connection errors only
};

struct CommandDriverConfig {
  std::vector<std::string> command;  // argv; command[0] absolute
  std::map<std::string, std::string> env;
};

struct ServiceCenterConfig {
  enum class Driver { kHttp, kCommand } driver = Driver::kHttp;
  HttpDriverConfig http;
  CommandDriverConfig command;
};

// Checks the config (e.g. the hash file exists, holds something, and is not
// world-readable) and builds the driver. FAILED_PRECONDITION / INVALID_ARGUMENT naming
// the key that is wrong.
absl::StatusOr<std::unique_ptr<PhaseDriver>> MakePhaseDriver(const ServiceCenterConfig& config);

}  // namespace osfleet::agent

// The `command` Service Center driver: runs an administrator's program (e.g. a PowerShell
// script that calls Service Center) and reports each line it prints, as it prints it, as a
// message: "WARNING:…" a warning, "ERROR:…" an error, anything else info. The options go
// in the environment: OSFLEET_SC_DRY_RUN=0|1, OSFLEET_SC_STOP_ON_WARNING=0|1,
// OSFLEET_SC_MODULES=name,name (empty = every module). Exit status 0 = success.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/service_center/phase_driver.h"

namespace osfleet::agent {

class CommandPhaseDriver final : public PhaseDriver {
 public:
  // No checks here (MakePhaseDriver does them).
  explicit CommandPhaseDriver(CommandDriverConfig config) : config_(std::move(config)) {}

  // OK on exit status 0; FAILED_PRECONDITION naming the exit status and the last lines
  // otherwise (or when the program cannot be started); DEADLINE_EXCEEDED when it runs past
  // options.deadline, CANCELLED / DEADLINE_EXCEEDED when options.cancel fires (its process
  // group is killed either way).
  absl::StatusOr<PhaseResult> Run(const PhaseOptions& options, const PhaseEventSink& sink) override;

  // One row, "service_center.command": the program is there and may be run (it is never
  // run here: what it does to Service Center is the administrator's).
  std::vector<CheckRow> Check(absl::Time deadline, const CancelToken& cancel) override;

 private:
  std::map<std::string, std::string> Environment(const PhaseOptions& options) const;

  const CommandDriverConfig config_;
};

// What a line of the command's output is: kWarning for "WARNING:", kError for "ERROR:",
// kInfo otherwise; the message is the line without that prefix (and surrounding blanks).
PublishMessage ClassifyCommandLine(absl::string_view line, int64_t line_number);

}  // namespace osfleet::agent

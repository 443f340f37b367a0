// The `http` Service Center driver: lists the modules (SOAP Modules_Get); with
// apply_settings: configuration_tool runs ConfigurationTool.com /ApplySettingsFactory and
// polls Modules_Get until Service Center answers again; republishes the running version of
// the modules `republish` picks (REST Staging_PublishWith2StepOption) and follows the
// publish (SOAP SolutionPack_GetPublishMessages) until it finishes, aborting it
// (SolutionPack_PublishAbort) on an error, a warning with stop_on_warning, or the deadline.
// The wire details live in sc_wire.h; the names come from PlatformServices' WSDL (fetched
// once per phase, or read from wsdl_file:), else from osfleet's conventions (wsdl.h).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "agent/service_center/http_client.h"
#include "agent/service_center/phase_driver.h"
#include "agent/service_center/sc_credentials.h"
#include "agent/service_center/sc_wire.h"
#include "agent/service_center/wire_source.h"
#include "common/text/redact.h"

namespace osfleet::agent {

class HttpPhaseDriver final : public PhaseDriver {
 public:
  // No checks here (MakePhaseDriver does them); the password file and the WSDL are read at
  // each Run.
  explicit HttpPhaseDriver(HttpDriverConfig config);

  absl::StatusOr<PhaseResult> Run(const PhaseOptions& options, const PhaseEventSink& sink) override;
  // The credentials of configuration_tool.apply_settings (apply_settings: configuration_tool).
  absl::Status CheckCredentials(const PhaseOptions& options) const override;

  // service_center.url (GET …?WSDL answers), service_center.wsdl (parsed, every operation
  // present, the dialect named; warn for conventions), service_center.modules_get (the
  // credentials are accepted: module count and how many are flagged). Read-only.
  std::vector<CheckRow> Check(absl::Time deadline, const CancelToken& cancel) override;

 private:
  const HttpDriverConfig config_;
  const HttpClient client_;
};

}  // namespace osfleet::agent

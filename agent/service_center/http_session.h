// One Run of the `http` Service Center driver (http_driver.h): the credentials, the
// deadline and the counts live only as long as it does. Its steps in order: the wire, the
// modules listed, Apply Settings and the wait for Service Center after it (http_driver.cc),
// then the publish, followed to its end or aborted (http_publish.cc).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/service_center/http_client.h"
#include "agent/service_center/phase_driver.h"
#include "agent/service_center/sc_wire.h"
#include "common/text/redact.h"

namespace osfleet::agent {

class HttpSession {
 public:
  HttpSession(const HttpDriverConfig& config, const HttpClient& client,
              sc_wire::Credentials credentials, const PhaseOptions& options,
              const PhaseEventSink& sink);

  absl::StatusOr<PhaseResult> Run();
  // Every text that leaves the driver goes through here: the encrypted password never does.
  std::string Redact(absl::string_view text) const;

 private:
  // How close to the deadline a failed call counts as cut short by it.
  static constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(250);

  // http_driver.cc: the calls, then the modules listed, Apply Settings and the wait after it.
  absl::StatusOr<std::string> Call(const sc_wire::PostRequest& request, absl::Time deadline);
  absl::StatusOr<std::vector<ScModule>> ListModules();
  absl::StatusOr<std::vector<ScModule>> Select(std::vector<ScModule> all) const;
  absl::Status ApplySettingsStep();
  absl::StatusOr<std::vector<ScModule>> AwaitServiceCenter();
  void ListChosen(const std::vector<ScModule>& considered, std::vector<ScModule>& chosen);
  void Emit(PhaseEvent event) const;
  // http_publish.cc: the publish, followed to its end or aborted.
  absl::StatusOr<sc_wire::PublishAnswer> StartPublish(const std::vector<ScModule>& modules);
  absl::Status Refused(const sc_wire::PublishAnswer& answer);
  absl::Status Follow(const std::string& publish_id);
  std::optional<std::string> Take(const sc_wire::PublishMessagesPage& page);
  absl::Status Finished(const std::string& publish_id) const;
  absl::Status Abort(const std::string& publish_id, absl::StatusCode code,
                     const std::string& reason);

  const HttpDriverConfig& config_;
  const HttpClient& client_;
  const sc_wire::Credentials credentials_;
  const PhaseOptions& options_;
  const PhaseEventSink& sink_;
  const absl::Time deadline_;
  const Redactor redactor_;
  sc_wire::Wire wire_;  // set first thing in Run
  PhaseResult result_;
  std::string first_error_;
};

}  // namespace osfleet::agent

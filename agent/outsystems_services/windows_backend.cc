// The `windows` backend: adapts the Service Control Manager calls of
// common/platform/windows/service_control.h to ServiceBackend. Windows builds only; on
// Linux MakeServiceBackend refuses `windows`.
#ifdef _WIN32

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/outsystems_services/service_backend.h"
#include "common/platform/windows/service_control.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

namespace scm = platform::scm;

std::chrono::milliseconds ToChrono(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

absl::Status ToStatus(const scm::Result& result) {
  switch (result.outcome) {
    case scm::Outcome::kOk:
      return absl::OkStatus();
    case scm::Outcome::kTimeout:
      return absl::DeadlineExceededError(ValidUtf8(result.error));
    case scm::Outcome::kFailed:
      break;
  }
  return absl::FailedPreconditionError(ValidUtf8(result.error));
}

ServiceState ToState(scm::State state) {
  switch (state) {
    case scm::State::kStopped:
      return ServiceState::kStopped;
    case scm::State::kStartPending:
    case scm::State::kContinuePending:
      return ServiceState::kStarting;
    case scm::State::kStopPending:
    case scm::State::kPausePending:
    case scm::State::kPaused:
      return ServiceState::kStopping;
    case scm::State::kRunning:
      return ServiceState::kRunning;
    case scm::State::kUnknown:
      break;
  }
  return ServiceState::kUnknown;
}

class WindowsBackend final : public ServiceBackend {
 public:
  explicit WindowsBackend(ServiceConfig config) : config_(std::move(config)) {}
  const std::string& name() const override { return config_.name; }
  absl::Status Start() override {
    return ToStatus(scm::StartAndWait(config_.name, ToChrono(config_.start_timeout)));
  }
  absl::Status Stop() override {
    return ToStatus(scm::StopAndWait(config_.name, ToChrono(config_.stop_timeout)));
  }
  ServiceStatus Status() override {
    const scm::ServiceInfo info = scm::Query(config_.name);
    ServiceStatus status;
    status.name = config_.name;
    status.pid = static_cast<int64_t>(info.pid);
    status.state = info.result.ok() ? ToState(info.state) : ServiceState::kUnknown;
    status.detail = ValidUtf8(info.result.ok() ? info.exit_detail : info.result.error);
    if (status.state == ServiceState::kStopped && !info.exit_detail.empty()) {
      status.state = ServiceState::kFailed;
    }
    return status;
  }
  absl::Status CheckKnown() override {
    const scm::ServiceInfo info = scm::Query(config_.name);
    if (info.result.ok()) return absl::OkStatus();
    return absl::NotFoundError(
        absl::StrCat("the Service Control Manager: ", ValidUtf8(info.result.error)));
  }

 private:
  const ServiceConfig config_;
};

}  // namespace

// Declared in service_backend.cc, which calls it for BackendKind::kWindows.
absl::StatusOr<std::unique_ptr<ServiceBackend>> MakeWindowsBackend(const ServiceConfig& config) {
  return std::unique_ptr<ServiceBackend>(std::make_unique<WindowsBackend>(config));
}

}  // namespace osfleet::agent

#endif  // _WIN32

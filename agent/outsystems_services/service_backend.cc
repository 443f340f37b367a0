#include "agent/outsystems_services/service_backend.h"

#include "absl/strings/str_cat.h"
#include "agent/outsystems_services/command_backend.h"
#include "agent/outsystems_services/process_backend.h"

namespace osfleet::agent {

#ifdef _WIN32
// Defined in windows_backend.cc (Windows builds only).
absl::StatusOr<std::unique_ptr<ServiceBackend>> MakeWindowsBackend(const ServiceConfig& config);
#endif

const char* ServiceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kStopped:
      return "stopped";
    case ServiceState::kStarting:
      return "starting";
    case ServiceState::kRunning:
      return "running";
    case ServiceState::kStopping:
      return "stopping";
    case ServiceState::kFailed:
      return "failed";
    case ServiceState::kUnknown:
      break;
  }
  return "unknown";
}

namespace {

absl::Status CheckCommon(const ServiceConfig& config) {
  if (config.name.empty()) return absl::InvalidArgumentError("a service needs a name");
  if (config.start_timeout <= absl::ZeroDuration() || config.stop_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("service \"", config.name, "\": start and stop timeouts must be positive"));
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<std::unique_ptr<ServiceBackend>> Upcast(absl::StatusOr<std::unique_ptr<T>> made) {
  if (!made.ok()) return made.status();
  return std::unique_ptr<ServiceBackend>(std::move(*made));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceBackend>> MakeServiceBackend(const ServiceConfig& config,
                                                                   const std::string& state_dir) {
  if (absl::Status s = CheckCommon(config); !s.ok()) return s;
  switch (config.backend) {
    case BackendKind::kProcess:
      return Upcast(ProcessBackend::Create(config, state_dir));
    case BackendKind::kCommand:
      return Upcast(CommandBackend::Create(config));
    case BackendKind::kWindows:
#ifdef _WIN32
      return MakeWindowsBackend(config);
#else
      return absl::FailedPreconditionError(absl::StrCat(
          "service \"", config.name, "\": backend windows is only available on Windows"));
#endif
  }
  return absl::InvalidArgumentError(absl::StrCat("service \"", config.name, "\": unknown backend"));
}

}  // namespace osfleet::agent

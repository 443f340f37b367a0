#include "agent/outsystems_services/service_manager.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

constexpr absl::Duration kMinHealthyStep = absl::Milliseconds(20);
constexpr absl::Duration kMaxHealthyStep = absl::Milliseconds(250);

void Emit(const ServiceEventSink& sink, const std::string& service, ServiceState state,
          std::string detail = "") {
  if (!sink) return;
  ServiceEvent event;
  event.service = service;
  event.state = state;
  event.detail = ValidUtf8(detail);  // every backend's text, valid for the proto
  event.at = absl::Now();
  sink(event);
}

// The named backends in start order; every backend when names is empty.
absl::StatusOr<std::vector<ServiceBackend*>> Select(
    const std::vector<std::unique_ptr<ServiceBackend>>& backends,
    const std::vector<std::string>& names) {
  std::set<std::string> wanted(names.begin(), names.end());
  std::vector<ServiceBackend*> selected;
  std::vector<std::string> known;
  for (const auto& backend : backends) {
    known.push_back(absl::StrCat("\"", backend->name(), "\""));
    if (names.empty() || wanted.erase(backend->name()) > 0) selected.push_back(backend.get());
  }
  if (!wanted.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown service \"", *wanted.begin(),
                                                   "\"; known: ", absl::StrJoin(known, ", ")));
  }
  return selected;
}

absl::Status StopOne(ServiceBackend& backend, const ServiceEventSink& sink) {
  Emit(sink, backend.name(), ServiceState::kStopping);
  absl::Status status = backend.Stop();
  if (!status.ok()) {
    Emit(sink, backend.name(), ServiceState::kFailed, std::string(status.message()));
    return status;
  }
  Emit(sink, backend.name(), ServiceState::kStopped);
  return absl::OkStatus();
}

absl::Status StartOne(ServiceBackend& backend, const ServiceEventSink& sink) {
  Emit(sink, backend.name(), ServiceState::kStarting);
  absl::Status status = backend.Start();
  if (!status.ok()) {
    Emit(sink, backend.name(), ServiceState::kFailed, std::string(status.message()));
    return status;
  }
  Emit(sink, backend.name(), ServiceState::kRunning);
  return absl::OkStatus();
}

// Checks every started service until min_healthy has passed (at least once).
absl::Status HoldHealthy(const std::vector<ServiceBackend*>& started, absl::Duration min_healthy,
                         const ServiceEventSink& sink, const CancelToken& cancel) {
  const absl::Time end = absl::Now() + min_healthy;
  const absl::Duration step = std::clamp(min_healthy / 10, kMinHealthyStep, kMaxHealthyStep);
  for (;;) {
    for (ServiceBackend* backend : started) {
      const ServiceStatus status = backend->Status();
      if (status.state == ServiceState::kRunning) continue;
      const std::string detail = status.detail.empty()
                                     ? absl::StrCat("it is ", ServiceStateName(status.state))
                                     : status.detail;
      Emit(sink, backend->name(), ServiceState::kFailed, detail);
      return absl::FailedPreconditionError(
          absl::StrCat(backend->name(), " stopped within min_healthy (",
                       absl::FormatDuration(min_healthy), "): ", detail));
    }
    const absl::Time now = absl::Now();
    if (now >= end) return absl::OkStatus();
    if (absl::Status s = cancel.SleepFor(std::min(step, end - now)); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("stopped holding min_healthy: ", s.message()));
    }
  }
}

// OK, or why the sequence stops before `step` of `backend` (the client gave up).
absl::Status Before(const CancelToken& cancel, absl::string_view step,
                    const ServiceBackend& backend) {
  absl::Status s = cancel.Check();
  if (s.ok()) return s;
  return absl::Status(
      s.code(), absl::StrCat("stopped before ", step, " ", backend.name(), ": ", s.message()));
}

// The activity board's name for what Control does.
const char* StepOf(ServiceAction action) {
  switch (action) {
    case ServiceAction::kStart:
      return kStepServiceStart;
    case ServiceAction::kStop:
      return kStepServiceStop;
    case ServiceAction::kRestart:
      return kStepServiceRestart;
  }
  return kStepServiceRestart;
}

}  // namespace

void ServiceManager::TrackRevisions(RunningRevisions* book,
                                    std::function<std::string()> current_revision) {
  book_ = book;
  current_revision_ = std::move(current_revision);
}

std::vector<ServiceRevision> ServiceManager::Revisions() {
  std::vector<ServiceRevision> out;
  for (const auto& backend : backends_) {
    const ServiceStatus status = backend->Status();
    out.push_back({backend->name(), status.state == ServiceState::kRunning,
                   book_ != nullptr ? book_->RevisionOf(status) : std::string()});
  }
  return out;
}

std::vector<std::string> ServiceManager::RunningOnOtherThan(const std::string& revision) {
  std::vector<std::string> names;
  if (book_ == nullptr) return names;
  for (const ServiceRevision& r : Revisions()) {
    if (r.running && r.revision != revision) names.push_back(r.service);
  }
  return names;
}

// A start records the file's revision just before it (what the service reads); a start
// of a service already running changes nothing, so its record stays as it was.
absl::Status ServiceManager::StartTracked(ServiceBackend& backend, bool only_if_stopped,
                                          const ServiceEventSink& sink) {
  if (book_ == nullptr) return StartOne(backend, sink);
  if (only_if_stopped && backend.Status().state == ServiceState::kRunning) {
    return StartOne(backend, sink);
  }
  const std::string revision = current_revision_();
  absl::Status status = StartOne(backend, sink);
  if (status.ok()) {
    book_->Started(backend.name(), revision, backend.Status().pid);
  } else {
    book_->Stopped(backend.name());
  }
  return status;
}

absl::Status ServiceManager::StopTracked(ServiceBackend& backend, const ServiceEventSink& sink) {
  absl::Status status = StopOne(backend, sink);
  if (status.ok() && book_ != nullptr) book_->Stopped(backend.name());
  return status;
}

ServiceManager::ServiceManager(std::vector<std::unique_ptr<ServiceBackend>> backends,
                               absl::Duration min_healthy)
    : backends_(std::move(backends)), min_healthy_(min_healthy) {}

std::vector<std::string> ServiceManager::Names() const {
  std::vector<std::string> names;
  for (const auto& backend : backends_) names.push_back(backend->name());
  return names;
}

std::vector<ServiceStatus> ServiceManager::List() {
  std::vector<ServiceStatus> statuses;
  for (const auto& backend : backends_) {
    ServiceStatus status = backend->Status();
    status.detail = ValidUtf8(status.detail);
    statuses.push_back(std::move(status));
  }
  return statuses;
}

std::vector<ServiceManager::Known> ServiceManager::CheckKnown() {
  std::vector<Known> out;
  for (const auto& backend : backends_) {
    Known k;
    k.status = backend->Status();
    k.status.detail = ValidUtf8(k.status.detail);
    const absl::Status known = backend->CheckKnown();
    k.known = absl::Status(known.code(), ValidUtf8(known.message()));
    out.push_back(std::move(k));
  }
  return out;
}

absl::Status ServiceManager::Control(ServiceAction action, const std::vector<std::string>& names,
                                     absl::Duration min_healthy, const ServiceEventSink& reported,
                                     const CancelToken& cancel) {
  absl::StatusOr<std::vector<ServiceBackend*>> selected = Select(backends_, names);
  if (!selected.ok()) return selected.status();
  absl::MutexLock lock(&mu_);
  // On the board from here (one Control at a time), naming the service in hand.
  ActivityBoard::Scope on_board = BeginActivity(activity_, StepOf(action), "");
  const ServiceEventSink sink = [&reported, &on_board](const ServiceEvent& e) {
    on_board.SetDetail(e.service);
    if (reported) reported(e);
  };
  if (min_healthy < absl::ZeroDuration()) min_healthy = min_healthy_;
  if (action != ServiceAction::kStart) {
    for (auto it = selected->rbegin(); it != selected->rend(); ++it) {
      if (absl::Status s = Before(cancel, "stopping", **it); !s.ok()) return s;
      if (absl::Status s = StopTracked(**it, sink); !s.ok()) return ValidUtf8Status(s);
    }
  }
  if (action == ServiceAction::kStop) return absl::OkStatus();
  for (ServiceBackend* backend : *selected) {
    if (absl::Status s = Before(cancel, "starting", *backend); !s.ok()) return s;
    if (absl::Status s = StartTracked(*backend, action == ServiceAction::kStart, sink); !s.ok()) {
      return ValidUtf8Status(s);
    }
  }
  return ValidUtf8Status(HoldHealthy(*selected, min_healthy, sink, cancel));
}

}  // namespace osfleet::agent

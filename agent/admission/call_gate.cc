#include "agent/admission/call_gate.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/api/logging.h"

namespace osfleet::agent {
namespace {

// Agent.Check waits on status commands and on Service Center's answers.
constexpr absl::string_view kLongRunning[] = {"Endpoints.Set", "Endpoints.Probe",
                                              "Services.Control", "ServiceCenter.RunPhase",
                                              "Agent.Check"};
// The fleet hold's renewal and release take the reserve as Renew does: a busy agent must
// not let a rollout's hold end (TakeHold is an ordinary cheap call).
constexpr absl::string_view kReserved[] = {"Endpoints.Confirm", "Endpoints.Renew",
                                           "Endpoints.Rollback", "Endpoints.RenewHold",
                                           "Endpoints.ReleaseHold"};

bool OneOf(absl::string_view rpc, absl::Span<const absl::string_view> names) {
  for (absl::string_view r : names) {
    if (r == rpc) return true;
  }
  return false;
}

}  // namespace

bool IsAudited(absl::string_view rpc) { return IsMutating(rpc) && rpc != "Endpoints.Renew"; }

bool IsLongRunning(absl::string_view rpc) { return OneOf(rpc, kLongRunning); }

CallClass ClassOf(absl::string_view rpc) {
  if (OneOf(rpc, kReserved)) return CallClass::kReserved;
  if (rpc == "Endpoints.Probe") return CallClass::kProbe;
  return IsLongRunning(rpc) ? CallClass::kLong : CallClass::kRead;
}

CallGate::CallGate(Authorizer authz, CallLimiter* limiter, AuditLog* audit,
                   absl::Duration read_deadline, const Clock* clock)
    : authz_(authz),
      limiter_(limiter),
      audit_(audit),
      read_deadline_(read_deadline),
      clock_(clock) {}

Admission CallGate::Admit(grpc::CallbackServerContext* context, absl::string_view rpc) const {
  return Admit(context->peer(), authz_.Identify(*context), rpc);
}

Admission CallGate::Admit(std::string peer, const absl::StatusOr<Caller>& who,
                          absl::string_view rpc) const {
  Admission a;
  a.gate = this;
  a.rpc = std::string(rpc);
  a.peer = std::move(peer);
  a.status = CheckCaller(who, rpc, &a.caller);
  if (!a.status.ok()) {
    spdlog::warn("{} from {} ({}): {}", rpc, a.peer, a.caller.identity, a.status.message());
    a.audit_refusal = IsMutating(rpc);
    return a;
  }
  absl::StatusOr<CallSlot> slot =
      limiter_->Acquire(ClassOf(rpc), a.caller.role == ClientRole::kViewer);
  if (!slot.ok()) {
    spdlog::debug("{} from {}: {}", rpc, a.peer, slot.status().message());
    a.status = slot.status();
    return a;
  }
  a.slot = *std::move(slot);
  if (!IsMutating(rpc)) a.start_by = clock_->Now() + read_deadline_;
  return a;
}

absl::Status CallGate::CheckStart(grpc::CallbackServerContext* context,
                                  const Admission& admission) const {
  return CheckStart(context->IsCancelled(), admission);
}

absl::Status CallGate::CheckStart(bool cancelled, const Admission& admission) const {
  if (cancelled) {
    return absl::CancelledError("the client cancelled or its deadline passed before start");
  }
  if (clock_->Now() > admission.start_by) {
    return absl::DeadlineExceededError(
        absl::StrCat("the agent is busy: this call waited more than ",
                     absl::FormatDuration(read_deadline_), " to start; try again"));
  }
  // A call whose line could not be written does not run: it has changed nothing.
  if (IsAudited(admission.rpc)) {
    if (absl::Status s = audit_->Reserve(); !s.ok()) {
      spdlog::error("{} from {} ({}) refused: {}", admission.rpc, admission.peer,
                    admission.caller.identity, s.message());
      return absl::UnavailableError(
          absl::StrCat(admission.rpc, " was not run: ", s.message(), "; nothing was changed"));
    }
  }
  return absl::OkStatus();
}

AuditRecord CallGate::Record(const Admission& admission, AuditRecord record,
                             const absl::Status& status) const {
  record.time = clock_->Now();
  record.identity = admission.caller.identity;
  record.peer = admission.peer;
  record.rpc = admission.rpc;
  record.result = AuditResult(status);
  return record;
}

void CallGate::Refuse(const Admission& admission, std::function<void()> finish) const {
  if (!admission.audit_refusal) {
    finish();
    return;
  }
  audit_->AppendThen(Record(admission, {}, admission.status),
                     [finish = std::move(finish)](absl::Status s) {
                       if (!s.ok())
                         spdlog::error("{} (the call itself was not affected)", s.message());
                       finish();
                     });
}

void CallGate::Finished(const Admission& admission, AuditRecord record,
                        const absl::Status& status) const {
  spdlog::info("{} from {} ({}): {}", admission.rpc, admission.peer, admission.caller.identity,
               status.ok() ? "OK" : status.ToString());
  if (absl::Status s = audit_->Append(Record(admission, std::move(record), status)); !s.ok()) {
    // Only when the disk failed after Reserve(): the call ran, its line is lost.
    spdlog::critical("{} from {} ({}) ended ({}) but is NOT AUDITED: {}", admission.rpc,
                     admission.peer, admission.caller.identity, AuditResult(status), s.message());
  }
}

void CallGate::Note(const Admission& admission, AuditRecord record,
                    const absl::Status& status) const {
  audit_->AppendThen(Record(admission, std::move(record), status), [](absl::Status s) {
    if (!s.ok()) spdlog::error("{} (the call itself was not affected)", s.message());
  });
}

}  // namespace osfleet::agent

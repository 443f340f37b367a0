#include "agent/admission/call_gate.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api/logging.h"

namespace osfleet::agent {

bool IsAudited(absl::string_view rpc) { return RpcPolicyNamed(rpc).audit == Audit::kEveryCall; }

bool IsLongRunning(absl::string_view rpc) { return IsLong(RpcPolicyNamed(rpc)); }

CallClass ClassOf(absl::string_view rpc) { return RpcPolicyNamed(rpc).call_class; }

CallGate::CallGate(Authorizer authz, CallLimiter* limiter, AuditLog* audit,
                   absl::Duration read_deadline, const Clock* clock)
    : authz_(authz),
      limiter_(limiter),
      audit_(audit),
      read_deadline_(read_deadline),
      clock_(clock) {}

Admission CallGate::Admit(grpc::CallbackServerContext* context, const RpcPolicy& rpc) const {
  return Admit(context->peer(), authz_.Identify(*context), rpc);
}

Admission CallGate::Admit(std::string peer, const absl::StatusOr<Caller>& who,
                          const RpcPolicy& rpc) const {
  return Admit(std::move(peer), who, rpc.name, rpc);
}

Admission CallGate::Admit(std::string peer, const absl::StatusOr<Caller>& who,
                          absl::string_view rpc) const {
  return Admit(std::move(peer), who, rpc, RpcPolicyNamed(rpc));
}

Admission CallGate::Admit(std::string peer, const absl::StatusOr<Caller>& who,
                          absl::string_view name, const RpcPolicy& rpc) const {
  Admission a;
  a.gate = this;
  a.rpc = std::string(name);
  a.peer = std::move(peer);
  a.status = CheckCaller(who, name, &a.caller);
  if (!a.status.ok()) {
    spdlog::warn("{} from {} ({}): {}", name, a.peer, a.caller.identity, a.status.message());
    a.audit_refusal = rpc.mutating();
    return a;
  }
  absl::StatusOr<CallSlot> slot =
      limiter_->Acquire(rpc.call_class, a.caller.role == ClientRole::kViewer);
  if (!slot.ok()) {
    spdlog::debug("{} from {}: {}", name, a.peer, slot.status().message());
    a.status = slot.status();
    return a;
  }
  a.slot = *std::move(slot);
  if (!rpc.mutating()) a.start_by = clock_->Now() + read_deadline_;
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
  if (admission.policy().audit == Audit::kEveryCall) {
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
                       if (!s.ok()) {
                         spdlog::error("{} (the call itself was not affected)", s.message());
                       }
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

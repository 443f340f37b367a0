#include "ctl/ops/fleet_hold_keeper.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/platform/host_info.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"
#include "google/protobuf/util/time_util.h"

namespace osfleet::ctl {
namespace {

google::protobuf::Duration ToProto(absl::Duration d) {
  return google::protobuf::util::TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

// A renewal or release slower than a third of a lease is as good as lost.
FanOutOptions CallOptions(absl::Duration lease) {
  return FanOutOptions{1, std::max(lease / 3, absl::Milliseconds(100))};
}

// Whether the agent has decided the hold is not ours any more (no use asking again).
// UNIMPLEMENTED: an agent older than the fleet hold; a rollout refuses it (upgrade the
// Deployment Controller's agent first) rather than run without one.
bool Definitive(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::NOT_FOUND ||
         status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
         status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
         status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
         status.error_code() == grpc::StatusCode::UNIMPLEMENTED;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FleetHoldKeeper>> FleetHoldKeeper::Take(
    const Target& dc, std::string dc_name, const std::string& rollout_id, absl::Duration lease,
    const Clock* clock) {
  v1::TakeHoldRequest req;
  req.set_rollout_id(rollout_id);
  req.set_workstation(platform::HostName());
  req.set_pid(static_cast<uint32_t>(platform::CurrentProcessId()));
  *req.mutable_lease() = ToProto(lease);
  const HostReply<v1::HoldResponse> reply = CallTakeHold(dc, CallOptions(lease), req);
  if (!reply.ok()) {
    absl::Status why(static_cast<absl::StatusCode>(reply.status.error_code()),
                     absl::StrCat("refused: cannot take the fleet hold on ", dc_name, ": ",
                                  StatusText(reply.status), "; nothing was changed"));
    // Another rollout holds the fleet, or the agent keeps no hold: a refusal (exit 3).
    // A Deployment Controller that does not answer is an ordinary failure.
    return reply.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION ? MarkRefused(why)
                                                                              : why;
  }
  return std::unique_ptr<FleetHoldKeeper>(
      new FleetHoldKeeper(dc, std::move(dc_name), reply.response.hold(), lease, clock));
}

FleetHoldKeeper::FleetHoldKeeper(const Target& dc, std::string dc_name, v1::FleetHold hold,
                                 absl::Duration lease, const Clock* clock)
    : dc_(dc),
      dc_name_(std::move(dc_name)),
      hold_(std::move(hold)),
      lease_(lease),
      clock_(clock),
      last_renewed_(clock->Monotonic()),
      alarm_(clock),
      renewer_([this] { RenewLoop(); }) {}

FleetHoldKeeper::~FleetHoldKeeper() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  alarm_.Ring();
  renewer_.join();
  Release().IgnoreError();
}

absl::Status FleetHoldKeeper::RenewOnce() {
  absl::MutexLock one_pass(&pass_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (!lost_.ok()) return lost_;
    if (released_) return absl::FailedPreconditionError("the fleet hold was released");
  }
  v1::RenewHoldRequest req;
  req.set_hold_id(hold_.hold_id());
  *req.mutable_lease() = ToProto(lease_);
  const absl::Duration started = clock_->Monotonic();
  const HostReply<v1::HoldResponse> reply = CallRenewHold(dc_, CallOptions(lease_), req);
  absl::MutexLock lock(&mu_);
  if (reply.ok()) {
    last_renewed_ = started;
    return absl::OkStatus();
  }
  const bool ended = clock_->Monotonic() - last_renewed_ >= lease_;
  if (Definitive(reply.status) || ended) {
    lost_ = absl::FailedPreconditionError(
        absl::StrCat("the fleet hold ", hold_.hold_id(), " on ", dc_name_, " was lost (",
                     ended && !Definitive(reply.status) ? "not renewed for a whole lease: " : "",
                     StatusText(reply.status), ")"));
    return lost_;
  }
  return absl::OkStatus();  // not answered yet; its lease still runs
}

absl::Status FleetHoldKeeper::Check() { return RenewOnce(); }

void FleetHoldKeeper::RenewLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || released_ || !lost_.ok()) return;
    }
    if (alarm_.WaitUntil(clock_->Monotonic() + lease_ / 3)) continue;  // rung: stop?
    RenewOnce().IgnoreError();
  }
}

absl::Status FleetHoldKeeper::Release() {
  absl::MutexLock one_pass(&pass_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (released_) return absl::OkStatus();
    released_ = true;
  }
  alarm_.Ring();
  v1::ReleaseHoldRequest req;
  req.set_hold_id(hold_.hold_id());
  const HostReply<v1::ReleaseHoldResponse> reply = CallReleaseHold(dc_, CallOptions(lease_), req);
  if (reply.ok() || reply.status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return absl::OkStatus();  // NOT_FOUND: it had ended already
  }
  return absl::Status(
      static_cast<absl::StatusCode>(reply.status.error_code()),
      absl::StrCat("releasing the fleet hold on ", dc_name_, ": ", StatusText(reply.status),
                   " (it ends by itself one lease later)"));
}

}  // namespace osfleet::ctl

#include "agent/endpoints/fleet_hold.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/logging.h"
#include "common/io/atomic_file.h"
#include "common/platform/files.h"
#include "common/text/json_util.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxRecordBytes = 64 * 1024;

std::string NewHoldId(absl::Time now) {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrFormat("hold-%s-%016x",
                         absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()),
                         absl::Uniform<uint64_t>(*gen));
}

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string TextOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t IntOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string OwnerText(const HoldOwner& o) {
  return o.serial.empty() ? o.identity : absl::StrCat(o.identity, " (serial ", o.serial, ")");
}

}  // namespace

FleetHold::FleetHold(std::string path, std::string refusal, const Clock* clock)
    : path_(std::move(path)), refusal_(std::move(refusal)), clock_(clock) {}

std::string FleetHold::Describe(const HoldView& hold) {
  const HoldRecord& r = hold.record;
  return absl::StrCat("rollout ", r.rollout_id, " (", OwnerText(r.owner), ", ",
                      r.workstation.empty() ? "unknown workstation" : r.workstation, " pid ", r.pid,
                      ", hold ", r.hold_id, ") since ", Utc(r.since), "; its lease ends ",
                      Utc(r.lease_ends), " (in ",
                      absl::FormatDuration(absl::Trunc(hold.remaining, absl::Milliseconds(100))),
                      ") unless renewed");
}

absl::Status FleetHold::Recover() {
  if (!refusal_.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadFileCapped(path_, kMaxRecordBytes);
  if (absl::IsNotFound(text.status())) return absl::OkStatus();
  if (!text.ok()) return text.status();
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  HoldRecord r;
  if (j.is_object()) {
    r.hold_id = TextOf(j, "hold_id");
    r.rollout_id = TextOf(j, "rollout_id");
    r.workstation = TextOf(j, "workstation");
    r.pid = static_cast<uint32_t>(IntOf(j, "pid"));
    r.owner = {TextOf(j, "owner"), TextOf(j, "owner_serial")};
    r.since = absl::FromUnixMillis(IntOf(j, "since_unix_ms"));
    r.lease_ends = absl::FromUnixMillis(IntOf(j, "lease_ends_unix_ms"));
    r.lease = absl::Milliseconds(IntOf(j, "lease_ms"));
  }
  if (r.hold_id.empty() || r.owner.identity.empty() || r.lease <= absl::ZeroDuration()) {
    return absl::DataLossError(absl::StrCat(path_, ": not a fleet-hold record; ignored"));
  }
  // What is left by the wall clock, never more than a whole lease (a clock set back).
  const absl::Duration left =
      std::clamp(r.lease_ends - clock_->Now(), absl::ZeroDuration(), r.lease);
  r.until = clock_->Monotonic() + left;
  absl::MutexLock lock(&mu_);
  hold_ = std::move(r);
  if (left > absl::ZeroDuration()) {
    spdlog::info("fleet hold {} of rollout {} kept across the restart; {} of its lease left",
                 hold_->hold_id, hold_->rollout_id, std::string(absl::FormatDuration(left)));
  }
  return absl::OkStatus();
}

std::optional<HoldView> FleetHold::LiveLocked() const {
  if (!hold_.has_value()) return std::nullopt;
  const absl::Duration left = hold_->until - clock_->Monotonic();
  if (left <= absl::ZeroDuration()) return std::nullopt;
  return HoldView{*hold_, left};
}

std::optional<HoldView> FleetHold::Current() const {
  absl::MutexLock lock(&mu_);
  return LiveLocked();
}

absl::Status FleetHold::SaveLocked() const {
  if (!hold_.has_value()) {
    const platform::Result<void> removed = platform::RemoveFile(path_);
    if (!removed.ok()) {
      return absl::InternalError(absl::StrCat("removing ", path_, ": ", removed.error().Reason()));
    }
    return absl::OkStatus();
  }
  const HoldRecord& r = *hold_;
  const nlohmann::json j = {{"hold_id", r.hold_id},
                            {"rollout_id", r.rollout_id},
                            {"workstation", r.workstation},
                            {"pid", r.pid},
                            {"owner", r.owner.identity},
                            {"owner_serial", r.owner.serial},
                            {"since_unix_ms", absl::ToUnixMillis(r.since)},
                            {"lease_ends_unix_ms", absl::ToUnixMillis(r.lease_ends)},
                            {"lease_ends", Utc(r.lease_ends)},
                            {"lease_ms", absl::ToInt64Milliseconds(r.lease)}};
  AtomicWriteOptions options;
  options.new_file_mode = 0600;
  return WriteFileAtomically(path_, DumpJson(j, 2) + "\n", options);
}

absl::StatusOr<TakeHoldOutcome> FleetHold::Take(const TakeHoldInput& input) {
  if (!refusal_.empty()) return absl::FailedPreconditionError(refusal_);
  absl::MutexLock lock(&mu_);
  std::optional<HoldView> live = LiveLocked();
  // The same rollout, resumed by its own operator after its osctl died, takes its hold
  // over at once instead of waiting for the dead one's lease.
  const bool same = live.has_value() && live->record.rollout_id == input.rollout_id &&
                    live->record.owner.identity == input.owner.identity &&
                    live->record.owner.serial == input.owner.serial;
  if (live.has_value() && !same) {
    return absl::FailedPreconditionError(
        absl::StrCat("the fleet is held by ", Describe(*live),
                     "; one rollout at a time: wait for it to end (or for its lease to end if "
                     "its osctl died)"));
  }
  TakeHoldOutcome out;
  if (hold_.has_value()) {
    out.replaced = Describe({*hold_, hold_->until - clock_->Monotonic()});
  }
  std::optional<HoldRecord> previous = std::move(hold_);
  HoldRecord r;
  r.since = clock_->Now();
  r.hold_id = NewHoldId(r.since);
  r.rollout_id = input.rollout_id;
  r.workstation = input.workstation;
  r.pid = input.pid;
  r.owner = input.owner;
  r.lease = input.lease;
  r.lease_ends = r.since + input.lease;
  r.until = clock_->Monotonic() + input.lease;
  hold_ = r;
  if (absl::Status s = SaveLocked(); !s.ok()) {
    hold_ = std::move(previous);
    return absl::Status(s.code(), absl::StrCat("taking the fleet hold: ", s.message()));
  }
  out.hold = {r, input.lease};
  return out;
}

absl::StatusOr<HoldRecord*> FleetHold::OwnedLocked(absl::string_view hold_id,
                                                   const HoldOwner& caller) {
  if (!hold_.has_value() || hold_->hold_id != hold_id) {
    return absl::NotFoundError(
        absl::StrCat("hold ", hold_id,
                     " is not held on this agent (released, never taken, or taken over after "
                     "its lease ended)",
                     hold_.has_value() && LiveLocked().has_value()
                         ? absl::StrCat("; the fleet is held by ", Describe(*LiveLocked()))
                         : ""));
  }
  if (hold_->owner.identity != caller.identity || hold_->owner.serial != caller.serial) {
    return absl::PermissionDeniedError(
        absl::StrCat("hold ", hold_id, " belongs to ", OwnerText(hold_->owner), "; you are ",
                     OwnerText(caller), ": only its taker may renew or release it"));
  }
  return &*hold_;
}

absl::StatusOr<HoldView> FleetHold::Renew(absl::string_view hold_id, const HoldOwner& caller,
                                          absl::Duration lease) {
  if (!refusal_.empty()) return absl::FailedPreconditionError(refusal_);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<HoldRecord*> held = OwnedLocked(hold_id, caller);
  if (!held.ok()) return held.status();
  HoldRecord& r = **held;
  const absl::Duration now = clock_->Monotonic();
  if (now >= r.until) {
    return absl::FailedPreconditionError(
        absl::StrCat("hold ", hold_id, " of rollout ", r.rollout_id, " has ended: its lease of ",
                     absl::FormatDuration(r.lease), " ended ",
                     absl::FormatDuration(absl::Trunc(now - r.until, absl::Milliseconds(100))),
                     " ago without a renewal"));
  }
  const absl::Duration length = lease > absl::ZeroDuration() ? lease : r.lease;
  r.until = now + length;
  r.lease_ends = clock_->Now() + length;
  if (absl::Status s = SaveLocked(); !s.ok()) {
    // The renewal stands in memory (the lease must not end because a disk is full); only
    // a restart would shorten it to what the file says.
    spdlog::warn("fleet hold {}: renewal not saved: {}", hold_id, s.message());
  }
  return HoldView{r, length};
}

absl::Status FleetHold::Release(absl::string_view hold_id, const HoldOwner& caller) {
  if (!refusal_.empty()) return absl::FailedPreconditionError(refusal_);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<HoldRecord*> held = OwnedLocked(hold_id, caller);
  if (!held.ok()) return held.status();
  std::optional<HoldRecord> previous = std::move(hold_);
  hold_.reset();
  if (absl::Status s = SaveLocked(); !s.ok()) {
    hold_ = std::move(previous);
    return absl::Status(s.code(), absl::StrCat("releasing the fleet hold: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace osfleet::agent

#include "ctl/rpc/stream_budget.h"

#include "absl/strings/str_cat.h"

namespace osfleet::ctl {
namespace {

absl::Status OverStream(const std::string& agent, const std::string& cap) {
  return absl::ResourceExhaustedError(
      absl::StrCat("agent ", agent, " sent more than ", cap, " in one stream; stopped"));
}

// Named after the agent whose event crossed it: the others may have sent most of it.
absl::Status OverCall(const std::string& agent, const std::string& cap) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "the agents sent more than ", cap, " in one call (agent ", agent, " crossed it); stopped"));
}

}  // namespace

std::string BytesText(int64_t bytes) {
  constexpr int64_t kMiB = int64_t{1} << 20;
  if (bytes >= kMiB && bytes % kMiB == 0) return absl::StrCat(bytes / kMiB, " MiB");
  return absl::StrCat(bytes, " bytes");
}

absl::Status StreamBudget::Admit(const std::string& agent, int64_t bytes, StreamTally& tally) {
  if (tally.events + 1 > caps_.events_per_stream) {
    return OverStream(agent, absl::StrCat(caps_.events_per_stream, " events"));
  }
  if (tally.bytes + bytes > caps_.bytes_per_stream) {
    return OverStream(agent, BytesText(caps_.bytes_per_stream));
  }
  absl::MutexLock lock(&mu_);
  if (total_.events + 1 > caps_.events_per_call) {
    return OverCall(agent, absl::StrCat(caps_.events_per_call, " events"));
  }
  if (total_.bytes + bytes > caps_.bytes_per_call) {
    return OverCall(agent, BytesText(caps_.bytes_per_call));
  }
  ++total_.events;
  total_.bytes += bytes;
  ++tally.events;
  tally.bytes += bytes;
  return absl::OkStatus();
}

}  // namespace osfleet::ctl

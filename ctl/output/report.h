// Pieces every command's output is made of: a host's result as JSON, status text, and
// the closing lines that name every host that failed or did not answer.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/revision.h"
#include "ctl/fleet/context.h"
#include "ctl/rpc/fanout.h"
#include "ctl/fleet/inventory.h"

namespace osfleet::ctl {

struct HostFailure {
  const Server* server = nullptr;
  grpc::Status status;
};

// "UNAVAILABLE: failed to connect to all addresses".
std::string StatusText(const grpc::Status& status);
// A table cell for a failed host: "unreachable" or "error: CODE" (the footer says why).
std::string FailureWord(const grpc::Status& status);
// The proto3 JSON mapping (enum names, camelCase field names) as a json value.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);
nlohmann::json ServerJson(const Server& server);
nlohmann::json StatusJson(const grpc::Status& status);

template <typename Response>
nlohmann::json HostJson(const HostReply<Response>& reply) {
  nlohmann::json j = ServerJson(*reply.server);
  j["ok"] = reply.ok();
  j["elapsedMs"] = absl::ToDoubleMilliseconds(reply.elapsed);
  if (reply.ok()) {
    j["result"] = ProtoToJson(reply.response);
  } else {
    j["error"] = StatusJson(reply.status);
  }
  return j;
}

template <typename Response>
std::vector<HostFailure> Failures(const std::vector<HostReply<Response>>& replies) {
  std::vector<HostFailure> out;
  for (const auto& r : replies) {
    if (!r.ok()) out.push_back({r.server, r.status});
  }
  return out;
}

// "3 servers: 2 ok, 1 failed" then one line per failed host, then
// "did not answer (1): fe02". Empty failures: just the count line.
std::string Footer(size_t total, const std::vector<HostFailure>& failures, bool color);
// {"failed": [...names], "notAnswered": [...names]}
nlohmann::json FailuresJson(const std::vector<HostFailure>& failures);

}  // namespace osfleet::ctl

namespace osfleet::ctl {

// Writes to stdout.
void PrintOut(const std::string& text);
// Writes one JSON document to stdout: indented, or on one line for jsonl.
void PrintJson(const nlohmann::json& document, OutputFormat format = OutputFormat::kJson);

}  // namespace osfleet::ctl

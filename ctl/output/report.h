// Pieces every command's output is made of: a host's result as JSON, status text, and
// the closing lines that name every host that failed or did not answer.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/model/revision.h"
#include "ctl/fleet/context.h"
#include "ctl/fleet/inventory.h"
#include "ctl/rpc/fanout.h"
#include "ctl/rpc/stream_fanout.h"

namespace osfleet::ctl {

// Writes to stdout, made valid UTF-8 (invalid sequences become U+FFFD).
void PrintOut(const std::string& text);
// The same to stderr (messages, warnings): through the one writer, flushed at once.
void PrintErr(const std::string& text);
// Writes one JSON document to stdout: indented, or on one line for jsonl (DumpJson: never
// throws).
void PrintJson(const nlohmann::json& document, OutputFormat format = OutputFormat::kJson);

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

// A host's streamed call as JSON: its events and, when it failed, the error.
template <typename Event>
nlohmann::json StreamHostJson(const HostStream<Event>& stream) {
  nlohmann::json j = ServerJson(*stream.server);
  j["ok"] = stream.ok();
  j["elapsedMs"] = absl::ToDoubleMilliseconds(stream.elapsed);
  nlohmann::json events = nlohmann::json::array();
  for (const Event& e : stream.events) events.push_back(ProtoToJson(e));
  j["events"] = std::move(events);
  if (!stream.ok()) j["error"] = StatusJson(stream.status);
  return j;
}

// The hosts whose call failed, from HostReply or HostStream results.
template <typename Reply>
std::vector<HostFailure> Failures(const std::vector<Reply>& replies) {
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

// {"command": COMMAND, "hosts": [HostJson...], "failed": [...], "notAnswered": [...]}
template <typename Response>
nlohmann::json HostsDocument(const std::string& command,
                             const std::vector<HostReply<Response>>& replies) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& r : replies) hosts.push_back(HostJson(r));
  nlohmann::json doc = {{"command", command}, {"hosts", hosts}};
  doc.update(FailuresJson(Failures(replies)));
  return doc;
}

// The end of a fan-out command: `document` for json and jsonl; for a table, `text` (the
// rendered table and any notes) and the footer.
template <typename Response>
void PrintHosts(const FleetContext& ctx, const nlohmann::json& document, const std::string& text,
                const std::vector<HostReply<Response>>& replies) {
  if (ctx.format() != OutputFormat::kTable) {
    PrintJson(document, ctx.format());
  } else {
    PrintOut(text + Footer(replies.size(), Failures(replies), ctx.color()));
  }
}

}  // namespace osfleet::ctl

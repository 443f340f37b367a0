// Endpoints.Connections: the established TCP connections from this server to a database
// address, with the process holding each (agent/probe/connections.h does the work).
#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/probe/connections.h"
#include "agent/rpc/endpoints_service.h"
#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"

namespace osfleet::agent {
namespace {

// The request's fields before anything is read: which database, an address of sane size.
absl::StatusOr<DatabaseId> CheckConnectionsRequest(const v1::ConnectionsRequest& request) {
  if (request.address().empty()) {
    return absl::InvalidArgumentError("address: required (the database address to look for)");
  }
  if (request.address().size() > kMaxProbeAddressBytes) {
    return absl::InvalidArgumentError(absl::StrCat("address: ", request.address().size(),
                                                   " bytes, at most ", kMaxProbeAddressBytes,
                                                   " allowed"));
  }
  if (request.database() == v1::DATABASE_UNSPECIFIED) return DatabaseId::kPlatform;
  std::optional<DatabaseId> database = DatabaseFromProto(request.database());
  if (!database) {
    return absl::InvalidArgumentError("database: must be PLATFORM, LOGGING or SESSION");
  }
  return *database;
}

void FillConnections(const ConnectionsFound& found, v1::ConnectionsResponse* response) {
  for (const std::string& e : found.endpoints) response->add_endpoints(e);
  for (const ConnectionRow& row : found.connections) {
    v1::TcpConnection* out = response->add_connections();
    out->set_pid(static_cast<uint32_t>(row.pid));
    out->set_process(row.process);
    out->set_local(row.local);
    out->set_remote(row.remote);
  }
}

}  // namespace

absl::Status EndpointsService::DoConnections(const v1::ConnectionsRequest& request,
                                             v1::ConnectionsResponse* response, bool viewer,
                                             ProbeOptions call) {
  absl::StatusOr<DatabaseId> database = CheckConnectionsRequest(request);
  if (!database.ok()) return database.status();
  absl::StatusOr<HsconfDocument> doc = deps_.store->Read();
  if (!doc.ok()) return doc.status();
  ProbeOptions options = deps_.probe;
  options.dns = deps_.probes->dns(viewer);
  options.cancel = call.cancel;
  options.deadline = std::min(call.deadline, absl::Now() + kMaxProbeCall);
  absl::StatusOr<ConnectionsFound> found =
      FindConnections(doc->section(*database).provider, request.address(), options);
  if (!found.ok()) return found.status();
  response->set_address(request.address());
  FillConnections(*found, response);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EndpointsService::Connections(grpc::CallbackServerContext* context,
                                                        const v1::ConnectionsRequest* request,
                                                        v1::ConnectionsResponse* response) {
  return RunAdmitted(context, deps_.lanes, deps_.gate->Admit(context, rpcs::kEndpointsConnections),
                     [this, context, request, response](Admission& a, absl::Status start) {
                       if (!start.ok()) return start;
                       ProbeOptions call;
                       call.cancel = CallCancelToken(context);
                       call.deadline = absl::FromChrono(context->deadline());
                       return DoConnections(*request, response,
                                            a.caller.role == ClientRole::kViewer, std::move(call));
                     });
}

}  // namespace osfleet::agent

// Between the agent's plain types and the osfleet.v1 messages.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "agent/backup_store.h"
#include "common/hsconf.h"
#include "osfleet/v1/endpoints.pb.h"

namespace osfleet::agent {

v1::Database ToProto(DatabaseId id);
void FillEndpoint(const DatabaseSection& section, v1::Endpoint* out);
void FillEndpoints(const HsconfDocument& doc, v1::GetEndpointsResponse* out);
void FillDiff(const FieldChange& change, v1::FieldDiff* out);
void FillBackup(const BackupInfo& backup, v1::Backup* out);

// INVALID_ARGUMENT for an empty list or DATABASE_UNSPECIFIED.
absl::StatusOr<std::vector<EndpointEdit>> EditsFromProto(
    const google::protobuf::RepeatedPtrField<v1::EndpointChange>& changes);

template <typename Repeated>
void FillDiffs(const std::vector<FieldChange>& changes, Repeated* out) {
  for (const FieldChange& c : changes) FillDiff(c, out->Add());
}

}  // namespace osfleet::agent

// Between the agent's plain types and the osfleet.v1 messages.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <vector>

#include "absl/status/statusor.h"
#include "agent/endpoints/backup_store.h"
#include "agent/endpoints/fleet_hold.h"
#include "agent/endpoints/pending_change.h"
#include "agent/outsystems_services/service_manager.h"
#include "agent/probe/identity.h"
#include "agent/probe/probe.h"
#include "common/api/request_limits.h"
#include "common/model/hsconf.h"
#include "osfleet/v1/endpoints.pb.h"
#include "osfleet/v1/services.pb.h"

namespace osfleet::agent {

v1::Database ToProto(DatabaseId id);
// nullopt for DATABASE_UNSPECIFIED and values this agent does not know.
std::optional<DatabaseId> DatabaseFromProto(v1::Database database);
void FillEndpoint(const DatabaseSection& section, v1::Endpoint* out);
void FillEndpoints(const HsconfDocument& doc, v1::GetEndpointsResponse* out);
void FillDiff(const FieldChange& change, v1::FieldDiff* out);
// A request's advanced_settings; unset or unknown values refuse.
AdvancedSettingsChoice AdvancedChoiceFromProto(v1::AdvancedSettingsChoice choice);
// "refuse", "rewrite", "keep" (audit lines).
const char* AdvancedChoiceName(AdvancedSettingsChoice choice);
void FillBackup(const BackupInfo& backup, v1::Backup* out);

// now: the change manager clock's Monotonic(), for the time left.
void FillPending(const PendingChange& change, absl::Duration now, v1::PendingChange* out);
void FillHold(const HoldView& hold, v1::FleetHold* out);
void FillServiceStatus(const ServiceStatus& status, v1::ServiceStatus* out);
v1::ServiceEvent ToProto(const ServiceEvent& event);
// With the fingerprint's encryption and certificate when the probe gathered them.
void FillProbe(const ProbeOutcome& outcome, v1::ProbeResult* out);
void FillIdentity(const Identity& identity, v1::Identity* out);
google::protobuf::Timestamp ToTimestamp(absl::Time t);
google::protobuf::Duration ToProtoDuration(absl::Duration d);
absl::Duration FromProtoDuration(const google::protobuf::Duration& d);
// A request's duration field, checked: a well-formed google.protobuf.Duration (seconds
// within +-10000 years, nanos within +-999999999 and of the same sign) inside `bounds`;
// INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<absl::Duration> DurationFromProto(const google::protobuf::Duration& d,
                                                 absl::string_view field, DurationBounds bounds);
// INVALID_ARGUMENT naming `field` ("names[3]") for more than max entries or an entry longer
// than max_bytes.
absl::Status CheckNames(absl::string_view field,
                        const google::protobuf::RepeatedPtrField<std::string>& names, size_t max,
                        size_t max_bytes);

// A request's Configuration Tool credentials (`field`, e.g. "configuration_tool.credentials"):
// at most kMaxCredentials, names of letters, digits and '_' (what a ${name} placeholder can
// name), values of 1..kMaxCredentialValueBytes. INVALID_ARGUMENT naming the field and the
// name; never a value.
absl::StatusOr<std::map<std::string, std::string>> CredentialsFromProto(
    const google::protobuf::Map<std::string, std::string>& credentials, absl::string_view field);

// INVALID_ARGUMENT for an empty list or DATABASE_UNSPECIFIED.
absl::StatusOr<std::vector<EndpointEdit>> EditsFromProto(
    const google::protobuf::RepeatedPtrField<v1::EndpointChange>& changes);

template <typename Repeated>
void FillDiffs(const std::vector<FieldChange>& changes, Repeated* out) {
  for (const FieldChange& c : changes) FillDiff(c, out->Add());
}

}  // namespace osfleet::agent

#include "agent/rpc/proto_convert.h"

#include <optional>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

void FillSqlServer(const SqlServerAddress& a, v1::SqlServerAddress* out) {
  out->set_host(ValidUtf8(a.host));
  out->set_instance(ValidUtf8(a.instance));
  out->set_port(a.port);
  out->set_tcp_prefix(a.tcp_prefix);
}

void FillOracle(const DatabaseSection& s, v1::OracleAddress* out) {
  if (s.oracle_naming == OracleNamingType::kTnsName) {
    out->set_naming(v1::ORACLE_NAMING_TNS_NAME);
    out->set_tns_alias(ValidUtf8(s.tns_alias));
    return;
  }
  out->set_naming(v1::ORACLE_NAMING_SERVICE_NAME);
  if (s.oracle.has_value()) {
    out->set_host(ValidUtf8(s.oracle->host));
    out->set_port(s.oracle->port);
    out->set_service_name(ValidUtf8(s.oracle->service_name));
  }
}

}  // namespace

std::optional<DatabaseId> DatabaseFromProto(v1::Database database) {
  switch (database) {
    case v1::DATABASE_PLATFORM:
      return DatabaseId::kPlatform;
    case v1::DATABASE_LOGGING:
      return DatabaseId::kLogging;
    case v1::DATABASE_SESSION:
      return DatabaseId::kSession;
    default:
      return std::nullopt;
  }
}

v1::Database ToProto(DatabaseId id) {
  switch (id) {
    case DatabaseId::kPlatform:
      return v1::DATABASE_PLATFORM;
    case DatabaseId::kLogging:
      return v1::DATABASE_LOGGING;
    case DatabaseId::kSession:
      return v1::DATABASE_SESSION;
  }
  return v1::DATABASE_UNSPECIFIED;
}

// server.hsconf may hold bytes that are not UTF-8: every text from it is made valid here.
void FillEndpoint(const DatabaseSection& s, v1::Endpoint* out) {
  out->set_database(ToProto(s.id));
  out->set_provider(s.provider == DbProvider::kOracle ? v1::PROVIDER_ORACLE
                                                      : v1::PROVIDER_SQL_SERVER);
  out->set_address(ValidUtf8(s.address));
  if (s.provider == DbProvider::kOracle) {
    FillOracle(s, out->mutable_oracle());
  } else if (s.sql_server.has_value()) {
    FillSqlServer(*s.sql_server, out->mutable_sql_server());
  }
  for (const AddressElement& e : s.elements) {
    (*out->mutable_raw())[ValidUtf8(e.name)] = e.encrypted ? "" : ValidUtf8(e.text);
  }
  out->set_catalog(ValidUtf8(s.catalog));
  out->set_engine_edition(ValidUtf8(s.engine_edition));
  out->set_encrypted(s.encrypted);
  out->set_loopback(s.loopback);
  for (const AdvancedAddress& a : s.advanced_addresses) {
    v1::AdvancedSettingsAddress* address = out->add_advanced_settings();
    address->set_element(ValidUtf8(a.element));
    address->set_keyword(ValidUtf8(a.keyword.keyword));
    address->set_value(ValidUtf8(a.keyword.value));
    address->set_host(ValidUtf8(a.keyword.host));
    address->set_failover_partner(a.keyword.failover_partner);
    address->set_overridden(a.keyword.overridden);
  }
  for (const std::string& p : s.advanced_problems) {
    out->add_advanced_settings_problems(ValidUtf8(p));
  }
}

void FillEndpoints(const HsconfDocument& doc, v1::GetEndpointsResponse* out) {
  out->set_revision(doc.revision);
  for (DatabaseId id : kAllDatabases) FillEndpoint(doc.section(id), out->add_endpoints());
}

void FillDiff(const FieldChange& c, v1::FieldDiff* out) {
  out->set_database(ToProto(c.database));
  out->set_element(ValidUtf8(c.element));
  out->set_old_value(ValidUtf8(c.old_value));
  out->set_new_value(ValidUtf8(c.new_value));
  out->set_keyword(ValidUtf8(c.keyword));
}

AdvancedSettingsChoice AdvancedChoiceFromProto(v1::AdvancedSettingsChoice choice) {
  switch (choice) {
    case v1::ADVANCED_SETTINGS_REWRITE:
      return AdvancedSettingsChoice::kRewrite;
    case v1::ADVANCED_SETTINGS_KEEP:
      return AdvancedSettingsChoice::kKeep;
    default:  // UNSPECIFIED, REFUSE, and values a newer client may send: the safe one
      return AdvancedSettingsChoice::kRefuse;
  }
}

const char* AdvancedChoiceName(AdvancedSettingsChoice choice) {
  switch (choice) {
    case AdvancedSettingsChoice::kRewrite:
      return "rewrite";
    case AdvancedSettingsChoice::kKeep:
      return "keep";
    case AdvancedSettingsChoice::kRefuse:
      break;
  }
  return "refuse";
}

void FillBackup(const BackupInfo& b, v1::Backup* out) {
  out->set_id(b.id);
  *out->mutable_created_at() = ToTimestamp(b.created_at);
  out->set_revision(b.revision);
  out->set_size_bytes(b.size_bytes);
  out->set_reason(ValidUtf8(b.reason));
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  return google::protobuf::util::TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::StatusOr<absl::Duration> DurationFromProto(const google::protobuf::Duration& d,
                                                 absl::string_view field, DurationBounds bounds) {
  constexpr int64_t kMaxSeconds = 315'576'000'000;  // the range google.protobuf.Duration allows
  constexpr int32_t kMaxNanos = 999'999'999;
  const bool mixed_signs = (d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0);
  if (d.seconds() > kMaxSeconds || d.seconds() < -kMaxSeconds || d.nanos() > kMaxNanos ||
      d.nanos() < -kMaxNanos || mixed_signs) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid duration (seconds ",
                                                   d.seconds(), ", nanos ", d.nanos(), ")"));
  }
  const absl::Duration out = FromProtoDuration(d);
  if (absl::Status s = CheckDuration(field, out, bounds); !s.ok()) return s;
  return out;
}

absl::Status CheckNames(absl::string_view field,
                        const google::protobuf::RepeatedPtrField<std::string>& names, size_t max,
                        size_t max_bytes) {
  if (absl::Status s = CheckCount(field, names.size(), max); !s.ok()) return s;
  for (int i = 0; i < names.size(); ++i) {
    if (absl::Status s = CheckSize(absl::StrCat(field, "[", i, "]"), names[i], max_bytes);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

void FillPending(const PendingChange& c, absl::Duration now, v1::PendingChange* out) {
  out->set_change_id(c.change_id);
  *out->mutable_confirm_deadline() = ToTimestamp(c.deadline);
  out->set_revision(c.revision);
  out->set_backup_id(c.backup_id);
  out->set_restart_services(c.restart_services);
  auto left = [now](absl::Duration until, absl::Duration otherwise) {
    return until == absl::InfiniteDuration() ? otherwise
                                             : std::max(until - now, absl::ZeroDuration());
  };
  *out->mutable_confirm_remaining() = ToProtoDuration(left(c.confirm_until, c.window));
  if (c.has_lease()) {
    *out->mutable_lease() = ToProtoDuration(c.lease);
    *out->mutable_lease_remaining() = ToProtoDuration(left(c.lease_until, c.lease));
  }
}

void FillHold(const HoldView& hold, v1::FleetHold* out) {
  const HoldRecord& r = hold.record;
  out->set_hold_id(r.hold_id);
  out->set_rollout_id(r.rollout_id);
  out->set_workstation(r.workstation);
  out->set_pid(r.pid);
  out->set_owner(r.owner.identity);
  out->set_owner_serial(r.owner.serial);
  *out->mutable_since() = ToTimestamp(r.since);
  *out->mutable_lease_ends() = ToTimestamp(r.lease_ends);
  *out->mutable_lease() = ToProtoDuration(r.lease);
  *out->mutable_lease_remaining() = ToProtoDuration(std::max(hold.remaining, absl::ZeroDuration()));
}

namespace {

v1::ServiceState ToProto(ServiceState s) {
  switch (s) {
    case ServiceState::kStopped:
      return v1::SERVICE_STATE_STOPPED;
    case ServiceState::kStarting:
      return v1::SERVICE_STATE_STARTING;
    case ServiceState::kRunning:
      return v1::SERVICE_STATE_RUNNING;
    case ServiceState::kStopping:
      return v1::SERVICE_STATE_STOPPING;
    case ServiceState::kFailed:
      return v1::SERVICE_STATE_FAILED;
    case ServiceState::kUnknown:
      break;
  }
  return v1::SERVICE_STATE_UNSPECIFIED;
}

v1::ProbeStep ToProto(ProbeStepId step) {
  switch (step) {
    case ProbeStepId::kParse:
      return v1::PROBE_STEP_PARSE;
    case ProbeStepId::kDns:
      return v1::PROBE_STEP_DNS;
    case ProbeStepId::kSqlBrowser:
      return v1::PROBE_STEP_SQL_BROWSER;
    case ProbeStepId::kTcpConnect:
      return v1::PROBE_STEP_TCP_CONNECT;
    case ProbeStepId::kTdsPrelogin:
      return v1::PROBE_STEP_TDS_PRELOGIN;
    case ProbeStepId::kNone:
      break;
  }
  return v1::PROBE_STEP_UNSPECIFIED;
}

// ProbeResult.encryption's words; empty when the probe did not learn it.
const char* EncryptionName(TdsEncryption e) {
  switch (e) {
    case TdsEncryption::kOff:
      return "off";
    case TdsEncryption::kOn:
      return "on";
    case TdsEncryption::kNotSupported:
      return "not supported";
    case TdsEncryption::kRequired:
      return "required";
    case TdsEncryption::kStrict:
      return "strict";
    case TdsEncryption::kUnknown:
      break;
  }
  return "";
}

v1::IdentityVerdict ToProto(Verdict v) {
  switch (v) {
    case Verdict::kSame:
      return v1::IDENTITY_VERDICT_SAME;
    case Verdict::kDifferent:
      return v1::IDENTITY_VERDICT_DIFFERENT;
    case Verdict::kUnknown:
      break;
  }
  return v1::IDENTITY_VERDICT_UNKNOWN;
}

}  // namespace

void FillServiceStatus(const ServiceStatus& s, v1::ServiceStatus* out) {
  out->set_name(s.name);
  out->set_state(ToProto(s.state));
  out->set_pid(s.pid);
  if (s.started_at != absl::InfinitePast()) *out->mutable_started_at() = ToTimestamp(s.started_at);
  out->set_detail(ValidUtf8(s.detail));
}

v1::ServiceEvent ToProto(const ServiceEvent& e) {
  v1::ServiceEvent out;
  out.set_service(e.service);
  out.set_state(ToProto(e.state));
  out.set_detail(ValidUtf8(e.detail));
  *out.mutable_at() = ToTimestamp(e.at);
  return out;
}

void FillProbe(const ProbeOutcome& p, v1::ProbeResult* out) {
  out->set_ok(p.ok);
  for (const std::string& ip : p.resolved) out->add_resolved(ip);
  out->set_port(p.port);
  *out->mutable_connect_latency() = ToProtoDuration(p.connect_latency);
  out->set_server_version(ValidUtf8(p.server_version));
  out->set_failed_step(ToProto(p.failed_step));
  out->set_error(ValidUtf8(p.error));
  out->set_encryption(EncryptionName(p.fingerprint.encryption));
  if (const std::optional<TlsCertificate>& c = p.fingerprint.certificate) {
    v1::TlsCertificate* cert = out->mutable_certificate();
    cert->set_sha256(ValidUtf8(c->sha256));
    cert->set_subject(ValidUtf8(c->subject));
    cert->set_issuer(ValidUtf8(c->issuer));
    cert->set_self_signed(c->self_signed);
  }
}

void FillIdentity(const Identity& identity, v1::Identity* out) {
  out->set_verdict(ToProto(identity.verdict));
  out->set_current_address(ValidUtf8(identity.current_address));
  for (const Evidence& e : identity.evidence) {
    v1::IdentityEvidence* line = out->add_evidence();
    line->set_kind(e.kind);
    line->set_points_to(ToProto(e.points_to));
    line->set_detail(ValidUtf8(e.detail));
    line->set_weak(e.weak);
  }
}

absl::StatusOr<std::map<std::string, std::string>> CredentialsFromProto(
    const google::protobuf::Map<std::string, std::string>& credentials, absl::string_view field) {
  if (static_cast<size_t>(credentials.size()) > kMaxCredentials) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", credentials.size(), " entries, at most ", kMaxCredentials, " allowed"));
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : credentials) {
    if (!IsCredentialName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": the name '", ValidUtf8(name.substr(0, kMaxCredentialNameBytes)),
                       "' is not a placeholder name (letters, digits, '_'; at most ",
                       kMaxCredentialNameBytes, " bytes)"));
    }
    if (value.size() > kMaxCredentialValueBytes || value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": the value of '", name,
                                                     "' is empty or longer than ",
                                                     kMaxCredentialValueBytes, " bytes"));
    }
    out[name] = value;
  }
  return out;
}

absl::StatusOr<std::vector<EndpointEdit>> EditsFromProto(
    const google::protobuf::RepeatedPtrField<v1::EndpointChange>& changes) {
  if (changes.empty()) {
    return absl::InvalidArgumentError("changes: empty; name at least one database and address");
  }
  std::vector<EndpointEdit> edits;
  for (int i = 0; i < changes.size(); ++i) {
    const v1::EndpointChange& c = changes[i];
    const std::optional<DatabaseId> database = DatabaseFromProto(c.database());
    if (!database.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("changes[", i, "].database: must be PLATFORM, LOGGING or SESSION"));
    }
    edits.push_back({*database, c.address()});
  }
  return edits;
}

}  // namespace osfleet::agent

#include "ctl/ops/doctor/doctor.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/api/tls_files.h"
#include "common/text/escape.h"
#include "common/text/utf8.h"
#include "ctl/output/exit_code.h"
#include "ctl/output/report.h"
#include "ctl/rpc/agent_calls.h"

namespace osfleet::ctl {
namespace {

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

Verdict FromProto(v1::CheckLevel level) {
  switch (level) {
    case v1::CHECK_LEVEL_OK:
      return Verdict::kOk;
    case v1::CHECK_LEVEL_WARN:
      return Verdict::kWarn;
    default:
      return Verdict::kFail;
  }
}

// "1.234 s" for a skew or a round trip.
std::string SecondsText(absl::Duration d) {
  return absl::StrFormat("%.3f s", absl::ToDoubleSeconds(d));
}

absl::StatusOr<CertificateValidity> ReadOwnCertificate(const ConnectionOptions& connection) {
  if (connection.insecure || connection.tls.cert.empty()) return CertificateValidity{};
  absl::StatusOr<std::string> pem = LoadPem("--tls-cert", connection.tls.cert, "CERTIFICATE");
  if (!pem.ok()) return pem.status();
  return ReadValidity(connection.tls.cert, *pem);
}

std::string RowLine(const DoctorRow& r) {
  return absl::StrCat("  ", r.server, "  ", r.check, "  ", VerdictName(r.verdict), "  ",
                      EscapeControls(r.reason), "\n");
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      break;
  }
  return "fail";
}

absl::Duration ClockSkew(absl::Time agent_time, absl::Time received, absl::Duration round_trip,
                         absl::Duration checked_in) {
  const absl::Duration network = std::max(round_trip - checked_in, absl::ZeroDuration());
  return agent_time - (received - network / 2);
}

DoctorRow SkewRow(const std::string& server, absl::Duration skew, absl::Duration round_trip,
                  absl::Duration checked_in) {
  const absl::Duration size = absl::AbsDuration(skew);
  const std::string how =
      absl::StrCat("agent clock ", skew < absl::ZeroDuration() ? "behind" : "ahead of",
                   " osctl's by ", SecondsText(size), " (round trip ", SecondsText(round_trip),
                   ", of which the checks ", SecondsText(checked_in), ")");
  if (size > kSkewFail) {
    return {server, "clock.skew", Verdict::kFail,
            absl::StrCat(how, ": more than ", absl::FormatDuration(kSkewFail),
                         "; set the clocks right (NTP) before a rollout")};
  }
  if (size > kSkewWarn) {
    return {server, "clock.skew", Verdict::kWarn,
            absl::StrCat(how, ": more than ", absl::FormatDuration(kSkewWarn))};
  }
  return {server, "clock.skew", Verdict::kOk, how};
}

DoctorRow OsctlCertificateRow(const ConnectionOptions& connection,
                              const absl::StatusOr<CertificateValidity>& validity, absl::Time now) {
  if (connection.insecure) {
    return {"osctl", "osctl.certificate", Verdict::kOk,
            "no certificate: --insecure (plaintext, loopback agents only)"};
  }
  if (connection.tls.cert.empty()) {
    return {"osctl", "osctl.certificate", Verdict::kOk,
            "no client certificate (TLS without one: agents treat osctl as a viewer)"};
  }
  if (!validity.ok()) {
    return {"osctl", "osctl.certificate", Verdict::kFail, ValidUtf8(validity.status().message())};
  }
  const CertificateVerdict v = JudgeCertificate(*validity, now);
  const Verdict verdict = v.health == CertificateHealth::kValid         ? Verdict::kOk
                          : v.health == CertificateHealth::kExpiresSoon ? Verdict::kWarn
                                                                        : Verdict::kFail;
  return {"osctl", "osctl.certificate", verdict, absl::StrCat(connection.tls.cert, " ", v.reason)};
}

std::vector<DoctorRow> AgentRows(const std::string& server, const v1::CheckResponse& response) {
  std::vector<DoctorRow> rows;
  for (const v1::CheckResult& r : response.results()) {
    rows.push_back({server, ValidUtf8(r.check()), FromProto(r.level()), ValidUtf8(r.reason())});
  }
  return rows;
}

std::vector<DoctorRow> RunDoctor(const FleetContext& ctx, const Clock& clock) {
  std::vector<absl::Time> received(ctx.targets().size());
  const std::vector<HostReply<v1::CheckResponse>> replies =
      CallCheck(ctx.targets(), ctx.fanout(),
                [&received, &clock](size_t i, const HostReply<v1::CheckResponse>&) {
                  received[i] = clock.Now();
                });
  std::vector<DoctorRow> rows;
  for (size_t i = 0; i < replies.size(); ++i) {
    const HostReply<v1::CheckResponse>& r = replies[i];
    const std::string& name = r.server->name;
    if (!r.ok()) {
      rows.push_back({name, "agent.reachable", Verdict::kFail, StatusText(r.status)});
      continue;
    }
    for (DoctorRow& row : AgentRows(name, r.response)) rows.push_back(std::move(row));
    const absl::Duration checked_in = FromProto(r.response.checked_in());
    rows.push_back(SkewRow(
        name, ClockSkew(FromProto(r.response.agent_time()), received[i], r.elapsed, checked_in),
        r.elapsed, checked_in));
  }
  const ConnectionOptions& connection = ctx.connection();
  rows.push_back(OsctlCertificateRow(connection, ReadOwnCertificate(connection), clock.Now()));
  return rows;
}

Verdict Worst(const std::vector<DoctorRow>& rows) {
  Verdict worst = Verdict::kOk;
  for (const DoctorRow& r : rows) worst = std::max(worst, r.verdict);
  return worst;
}

absl::Status DoctorPreflight(const FleetContext& ctx, bool skip_service_center) {
  std::string failing, warning;
  int fails = 0;
  for (const DoctorRow& r : RunDoctor(ctx, *Clock::Real())) {
    if (skip_service_center && absl::StartsWith(r.check, "service_center.")) continue;
    if (r.verdict == Verdict::kFail) {
      ++fails;
      absl::StrAppend(&failing, RowLine(r));
    } else if (r.verdict == Verdict::kWarn) {
      absl::StrAppend(&warning, RowLine(r));
    }
  }
  if (!warning.empty()) {
    PrintErr("osctl: doctor warns (the rollout goes on):\n" + warning);
  }
  if (fails == 0) return absl::OkStatus();
  PrintErr("osctl: doctor fails:\n" + failing);
  return MarkRefused(absl::FailedPreconditionError(
      absl::StrCat(fails, fails == 1 ? " doctor check fails" : " doctor checks fail",
                   " (above); nothing was changed. Fix them and see `osctl doctor`")));
}

}  // namespace osfleet::ctl

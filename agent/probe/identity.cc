#include "agent/probe/identity.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace osfleet::agent {
namespace {

constexpr size_t kShortHex = 16;

Evidence Line(std::string kind, Verdict points_to, std::string detail, bool weak = false) {
  return {std::move(kind), points_to, std::move(detail), weak};
}

// Rule 1: a side that did not answer leaves nothing to compare.
std::optional<Evidence> ProbeFailure(const std::string& current, const ProbeOutcome& cur,
                                     const std::string& candidate, const ProbeOutcome& cand) {
  if (!cand.ok) {
    return Line("probe", Verdict::kUnknown,
                absl::StrCat("the new address ", candidate, " did not answer: ", cand.error));
  }
  if (!cur.ok) {
    return Line("probe", Verdict::kUnknown,
                absl::StrCat("the current address ", current, " did not answer: ", cur.error));
  }
  return std::nullopt;
}

// Rule 2: overlapping resolved sets on the same port are one endpoint.
Evidence Dns(const std::string& current_host, const ProbeOutcome& cur,
             const std::string& candidate_host, const ProbeOutcome& cand) {
  std::vector<std::string> common;
  for (const std::string& ip : cand.resolved) {
    if (std::find(cur.resolved.begin(), cur.resolved.end(), ip) != cur.resolved.end()) {
      common.push_back(ip);
    }
  }
  if (common.empty()) {
    return Line(
        "dns", Verdict::kUnknown,
        absl::StrCat("DNS: ", candidate_host, " resolves to ", absl::StrJoin(cand.resolved, ", "),
                     ", ", current_host, " to ", absl::StrJoin(cur.resolved, ", "),
                     ": no address in common (another address of the same server "
                     "is still possible)"));
  }
  const std::string both = absl::StrCat("DNS: ", candidate_host, " and ", current_host,
                                        " both resolve to ", absl::StrJoin(common, ", "));
  if (cand.port == cur.port) {
    return Line("dns", Verdict::kSame, absl::StrCat(both, "; port ", cur.port, " on both"));
  }
  return Line("dns", Verdict::kUnknown,
              absl::StrCat(both, " but on port ", cand.port, " and ", cur.port,
                           ": another listener on that machine, maybe another instance"));
}

// Rule 3: PRELOGIN VERSION.
std::optional<Evidence> Version(const std::string& current, const ProbeOutcome& cur,
                                const std::string& candidate, const ProbeOutcome& cand) {
  if (cur.server_version.empty() || cand.server_version.empty()) return std::nullopt;
  if (cur.server_version != cand.server_version) {
    return Line("version", Verdict::kDifferent,
                absl::StrCat("PRELOGIN VERSION: ", current, " runs SQL Server ", cur.server_version,
                             ", ", candidate, " runs ", cand.server_version));
  }
  return Line("version", Verdict::kUnknown,
              absl::StrCat("both report SQL Server ", cur.server_version,
                           " (every server on that build does)"),
              /*weak=*/true);
}

// Rule 3: the candidate's INSTOPT answer to the current instance's name.
std::optional<Evidence> Instance(const std::string& instance, const std::string& current,
                                 const ProbeOutcome& cur, const std::string& candidate,
                                 const ProbeOutcome& cand) {
  const std::optional<bool>& answer = cand.fingerprint.instance_accepted;
  if (!answer.has_value()) return std::nullopt;
  const std::string& sent =
      cand.fingerprint.instance_sent.empty() ? instance : cand.fingerprint.instance_sent;
  if (sent.empty()) return std::nullopt;  // no name sent: every instance accepts "\0"
  if (*answer) {
    return Line("instance", Verdict::kUnknown,
                absl::StrCat("the server at ", candidate, " accepts instance name ", sent,
                             " in PRELOGIN (INSTOPT)"),
                /*weak=*/true);
  }
  if (cur.fingerprint.instance_accepted == false) {
    return Line("instance", Verdict::kUnknown,
                absl::StrCat("neither ", current, " nor ", candidate, " accepts instance name ",
                             sent, " in PRELOGIN (INSTOPT)"));
  }
  return Line("instance", Verdict::kDifferent,
              absl::StrCat("the server at ", candidate, " answered INSTOPT: not instance ", sent));
}

std::string Short(const std::string& sha256) { return sha256.substr(0, kShortHex); }

std::string Describe(const TlsCertificate& c, const Fingerprint& f) {
  return absl::StrCat(c.self_signed ? "the self-signed certificate " : "the CA-issued certificate ",
                      Short(c.sha256), " (", c.subject,
                      c.self_signed ? "" : absl::StrCat(", issued by ", c.issuer), ")",
                      f.encryption == TdsEncryption::kStrict ? " over TDS 8.0" : "");
}

std::string NoCertificate(const std::string& where, const Fingerprint& f) {
  return absl::StrCat("no certificate from ", where, ": ",
                      f.certificate_note.empty() ? "none presented" : f.certificate_note);
}

// Rule 4: the certificates presented inside PRELOGIN (or first, with TDS 8.0).
Evidence Certificate(const std::string& current, const ProbeOutcome& cur,
                     const ProbeOutcome& cur_again, const std::string& candidate,
                     const ProbeOutcome& cand) {
  const Fingerprint& cf = cur.fingerprint;
  const Fingerprint& kf = cand.fingerprint;
  if (!kf.certificate.has_value()) {
    return Line("certificate", Verdict::kUnknown, NoCertificate(candidate, kf));
  }
  if (!cf.certificate.has_value()) {
    return Line("certificate", Verdict::kUnknown, NoCertificate(current, cf));
  }
  const TlsCertificate& c = *cf.certificate;
  const TlsCertificate& k = *kf.certificate;
  const std::optional<TlsCertificate>& again = cur_again.fingerprint.certificate;
  if (!cur_again.ok || !again.has_value()) {
    return Line(
        "certificate", Verdict::kUnknown,
        absl::StrCat("the second connection to ", current, " gave no certificate (",
                     cur_again.ok ? NoCertificate(current, cur_again.fingerprint) : cur_again.error,
                     "): whether its certificate is stable is not known"));
  }
  if (again->sha256 != c.sha256) {
    return Line("certificate", Verdict::kUnknown,
                absl::StrCat("the certificate at ", current, " changed between two connections (",
                             Short(c.sha256), ", then ", Short(again->sha256),
                             "): something in front of it (a proxy, a load balancer) answers, "
                             "so certificates prove nothing"));
  }
  if (k.sha256 == c.sha256) {
    if (k.self_signed) {
      return Line("certificate", Verdict::kSame,
                  absl::StrCat("both present ", Describe(k, kf),
                               ", which an instance makes for itself at service start"));
    }
    return Line("certificate", Verdict::kUnknown,
                absl::StrCat("both present ", Describe(k, kf),
                             "; cluster nodes, replicas and wildcard names share one, so "
                             "it is not proof"));
  }
  const std::string both =
      absl::StrCat(current, " presents ", Describe(c, cf), " on two connections, ", candidate,
                   " presents ", Describe(k, kf));
  if (c.self_signed || k.self_signed) return Line("certificate", Verdict::kDifferent, both);
  return Line("certificate", Verdict::kUnknown,
              absl::StrCat(both, ": both CA-issued, which does not rule out one server"));
}

// Rule 5: the SQL Server Browser's names, weak either way.
std::optional<Evidence> Browser(const std::string& current, const Fingerprint& cf,
                                const std::string& candidate, const Fingerprint& kf) {
  if (!cf.browser.has_value() || !kf.browser.has_value()) return std::nullopt;
  const sqlbrowser::BrowserInstance& c = *cf.browser;
  const sqlbrowser::BrowserInstance& k = *kf.browser;
  const bool same = absl::EqualsIgnoreCase(c.server_name, k.server_name) &&
                    absl::EqualsIgnoreCase(c.instance_name, k.instance_name);
  if (same) {
    return Line("sql_browser", Verdict::kSame,
                absl::StrCat("SQL Browser: both name server ", c.server_name, ", instance ",
                             c.instance_name),
                /*weak=*/true);
  }
  return Line("sql_browser", Verdict::kDifferent,
              absl::StrCat("SQL Browser: ", current, " names server ", c.server_name, ", instance ",
                           c.instance_name, "; ", candidate, " names server ", k.server_name,
                           ", instance ", k.instance_name),
              /*weak=*/true);
}

bool UnknownService(const Fingerprint& f) {
  return f.tns == TnsAnswer::kRefuse && (f.tns_error == 12514 || f.tns_error == 12505);
}

const char* TnsName(TnsAnswer a) {
  switch (a) {
    case TnsAnswer::kAccept:
      return "ACCEPT";
    case TnsAnswer::kRefuse:
      return "REFUSE";
    case TnsAnswer::kRedirect:
      return "REDIRECT";
    case TnsAnswer::kResend:
      return "RESEND";
    case TnsAnswer::kOther:
      return "another packet";
    case TnsAnswer::kNone:
      break;
  }
  return "no answer";
}

// Oracle's rule: whether the new address's listener knows the service.
Evidence Tns(const OracleSides& s) {
  const std::string listener =
      absl::StrCat(s.candidate_address.host, ":", s.candidate_address.port);
  const std::string& service = s.candidate_address.service_name;
  const Fingerprint& kf = s.candidate.fingerprint;
  const std::string note = kf.tns_note.empty() ? "" : absl::StrCat(": ", kf.tns_note);
  if (UnknownService(kf)) {
    if (UnknownService(s.current.fingerprint)) {
      return Line(
          "tns", Verdict::kUnknown,
          absl::StrCat("neither listener knows service ", service, " (ERR=", kf.tns_error, ")"));
    }
    return Line("tns", Verdict::kDifferent,
                absl::StrCat("the listener at ", listener, " does not know ",
                             kf.tns_error == 12505 ? "SID " : "service ", service,
                             " (REFUSE, ERR=", kf.tns_error, ")"));
  }
  if (kf.tns == TnsAnswer::kAccept || kf.tns == TnsAnswer::kRedirect ||
      kf.tns == TnsAnswer::kResend) {
    return Line("tns", Verdict::kUnknown,
                absl::StrCat("the listener at ", listener, " knows service ", service, " (",
                             TnsName(kf.tns), "): the service is there, which is not identity"));
  }
  return Line("tns", Verdict::kUnknown,
              absl::StrCat("the listener at ", listener, " answered ", TnsName(kf.tns), note));
}

int Rank(const Evidence& e) {
  if (e.weak) return 2;
  return e.points_to == Verdict::kUnknown ? 1 : 0;
}

// The precedence documented in the header.
Identity Decide(std::string current_address, std::vector<Evidence> evidence) {
  bool same = false;
  bool different = false;
  for (const Evidence& e : evidence) {
    if (e.weak) continue;
    same = same || e.points_to == Verdict::kSame;
    different = different || e.points_to == Verdict::kDifferent;
  }
  std::stable_sort(evidence.begin(), evidence.end(),
                   [](const Evidence& a, const Evidence& b) { return Rank(a) < Rank(b); });
  Identity out;
  out.current_address = std::move(current_address);
  out.verdict = same && !different   ? Verdict::kSame
                : different && !same ? Verdict::kDifferent
                                     : Verdict::kUnknown;
  out.evidence = std::move(evidence);
  return out;
}

}  // namespace

std::string InstanceOf(const SqlServerAddress& address) {
  if (!address.instance.empty()) return absl::AsciiStrToUpper(address.instance);
  // "host,port" may reach a named instance listening on a static port: SqlClient sends no
  // instance name then, and neither do we (a wrong guess would read as another server).
  return address.port == 0 ? "MSSQLSERVER" : "";
}

Identity JudgeSqlServer(const SqlServerSides& s) {
  const std::string current = FormatSqlServerAddress(s.current_address);
  const std::string candidate = FormatSqlServerAddress(s.candidate_address);
  if (std::optional<Evidence> failed = ProbeFailure(current, s.current, candidate, s.candidate)) {
    return Decide(current, {*std::move(failed)});
  }
  std::vector<Evidence> evidence;
  evidence.push_back(Dns(s.current_address.host, s.current, s.candidate_address.host, s.candidate));
  if (auto e = Version(current, s.current, candidate, s.candidate)) evidence.push_back(*e);
  if (auto e =
          Instance(InstanceOf(s.current_address), current, s.current, candidate, s.candidate)) {
    evidence.push_back(*e);
  }
  evidence.push_back(Certificate(current, s.current, s.current_again, candidate, s.candidate));
  if (auto e = Browser(current, s.current.fingerprint, candidate, s.candidate.fingerprint)) {
    evidence.push_back(*e);
  }
  return Decide(current, std::move(evidence));
}

Identity JudgeOracle(const OracleSides& s) {
  const std::string current = FormatOracleAddress(s.current_address);
  const std::string candidate = FormatOracleAddress(s.candidate_address);
  if (std::optional<Evidence> failed = ProbeFailure(current, s.current, candidate, s.candidate)) {
    return Decide(current, {*std::move(failed)});
  }
  std::vector<Evidence> evidence;
  evidence.push_back(Dns(s.current_address.host, s.current, s.candidate_address.host, s.candidate));
  evidence.push_back(Tns(s));
  return Decide(current, std::move(evidence));
}

Identity Inconclusive(std::string current_address, std::string why) {
  return Decide(std::move(current_address), {Line("probe", Verdict::kUnknown, std::move(why))});
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kSame:
      return "same";
    case Verdict::kDifferent:
      return "different";
    case Verdict::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace osfleet::agent

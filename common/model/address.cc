#include "common/model/address.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/platform/ip_address.h"
#include "common/text/escape.h"

namespace osfleet {
namespace {

// Debian's Abseil has its own absl::string_view (not absl::string_view): convert at the
// API boundary.

constexpr size_t kMaxLabelLength = 63;
constexpr size_t kMaxServiceNameLength = 128;

// Quotes user text for an error message as typed ("host\INST" keeps its one backslash);
// control characters come out as visible escapes.
std::string Quote(absl::string_view text) { return QuotedEscaped(text); }

absl::Status Invalid(absl::string_view what, absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, " ", Quote(text), ": ", why));
}

std::string DescribeChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7F) return absl::StrFormat("control character 0x%02X", u);
  if (u == ' ') return "a space";
  if (u >= 0x80) return absl::StrFormat("non-ASCII byte 0x%02X", u);
  return absl::StrCat("'", std::string(1, c), "'");
}

absl::Status CheckNoWhitespace(absl::string_view text, absl::string_view what) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (absl::ascii_isspace(static_cast<unsigned char>(text[i]))) {
      return Invalid(
          what, text,
          absl::StrCat(DescribeChar(text[i]), " at position ", i + 1, " (no whitespace allowed)"));
    }
  }
  return absl::OkStatus();
}

// Safe text without whitespace: what every address must be.
absl::Status CheckAddressText(absl::string_view text, absl::string_view what) {
  if (absl::Status s = CheckSafeText(text, what); !s.ok()) return s;
  return CheckNoWhitespace(text, what);
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Dotted quad, each part 0..255 written without leading zeros (which some resolvers read
// as octal).
absl::Status ValidateIpv4(absl::string_view host) {
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4) return Invalid("host", host, "not a valid IPv4 address (need 4 parts)");
  for (absl::string_view part : parts) {
    uint32_t value = 0;
    if (!AllDigits(part) || part.size() > 3 || !absl::SimpleAtoi(part, &value) || value > 255) {
      return Invalid("host", host, absl::StrCat("IPv4 part ", Quote(part), " is not 0..255"));
    }
    if (part.size() > 1 && part[0] == '0') {
      return Invalid("host", host, absl::StrCat("IPv4 part ", Quote(part), " has a leading zero"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateIpv6(absl::string_view host) {
  if (!platform::ParseIpv6(std::string(host))) {
    return Invalid("host", host, "not a valid IPv6 address");
  }
  return absl::OkStatus();
}

// One label of a hostname; offset is the label's 0-based start within host.
absl::Status ValidateLabel(absl::string_view host, absl::string_view label, size_t offset) {
  if (label.empty()) {
    return Invalid("host", host, absl::StrCat("empty label at position ", offset + 1));
  }
  if (label.size() > kMaxLabelLength) {
    return Invalid("host", host,
                   absl::StrCat("label ", Quote(label), " is ", label.size(),
                                " characters, more than ", kMaxLabelLength));
  }
  for (size_t i = 0; i < label.size(); ++i) {
    const char c = label[i];
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Invalid("host", host,
                     absl::StrCat(DescribeChar(c), " at position ", offset + i + 1,
                                  " is not allowed in a hostname"));
    }
  }
  if (label.front() == '-' || label.back() == '-') {
    return Invalid("host", host,
                   absl::StrCat("label ", Quote(label), " starts or ends with a hyphen"));
  }
  return absl::OkStatus();
}

absl::Status ValidateHostname(absl::string_view host) {
  absl::string_view name = host;
  if (absl::EndsWith(name, ".") && name.size() > 1) name.remove_suffix(1);
  if (name.size() > kMaxHostnameLength) {
    return Invalid(
        "host", host.substr(0, 40),
        absl::StrCat("hostname is ", name.size(), " characters, more than ", kMaxHostnameLength));
  }
  size_t offset = 0;
  absl::string_view last_label;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (absl::Status s = ValidateLabel(host, label, offset); !s.ok()) return s;
    offset += label.size() + 1;
    last_label = label;
  }
  if (AllDigits(last_label)) return ValidateIpv4(name);
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> ParsePort(absl::string_view port, absl::string_view what,
                                   absl::string_view text) {
  uint32_t value = 0;
  if (!AllDigits(port) || port.size() > 5 || !absl::SimpleAtoi(port, &value)) {
    return Invalid(what, text, absl::StrCat("port ", Quote(port), " is not a number"));
  }
  if (value < 1 || value > 65535) {
    return Invalid(what, text, absl::StrCat("port ", value, " is outside 1..65535"));
  }
  return value;
}

absl::Status ValidateInstance(absl::string_view instance, absl::string_view text) {
  constexpr absl::string_view kWhat = "SQL Server address";
  if (instance.empty()) return Invalid(kWhat, text, "empty instance name after '\\'");
  if (instance.size() > kMaxInstanceNameLength) {
    return Invalid(kWhat, text,
                   absl::StrCat("instance name ", Quote(instance), " is ", instance.size(),
                                " characters, more than ", kMaxInstanceNameLength));
  }
  for (size_t i = 0; i < instance.size(); ++i) {
    const char c = instance[i];
    const bool letter = absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_';
    const bool ok =
        i == 0 ? letter : letter || absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '$';
    if (!ok) {
      return Invalid(kWhat, text,
                     absl::StrCat(DescribeChar(c), " at position ", i + 1, " of instance name ",
                                  Quote(instance), " is not allowed"));
    }
  }
  return absl::OkStatus();
}

// Host inside a SQL Server or Oracle address, reported with the whole address.
absl::Status ValidateHostIn(absl::string_view host, absl::string_view what,
                            absl::string_view text) {
  if (host.empty()) return Invalid(what, text, "empty host");
  if (absl::Status s = ValidateHost(host); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", Quote(text), ": ", s.message()));
  }
  return absl::OkStatus();
}

struct SqlServerParts {
  absl::string_view host;
  std::optional<absl::string_view> instance;
  std::optional<absl::string_view> port;
  bool bracketed = false;  // "[v6]..."
};

// Splits "[v6]..." or "host[\instance][,port]" (without the tcp: prefix).
absl::StatusOr<SqlServerParts> SplitSqlServer(absl::string_view rest, absl::string_view text) {
  SqlServerParts parts;
  absl::string_view tail;
  if (absl::StartsWith(rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) {
      return Invalid("SQL Server address", text, "'[' without a closing ']'");
    }
    parts.host = rest.substr(1, close - 1);
    parts.bracketed = true;
    tail = rest.substr(close + 1);
    if (!tail.empty() && tail[0] != '\\' && tail[0] != ',') {
      return Invalid("SQL Server address", text, "expected '\\' or ',' after ']'");
    }
  } else {
    const size_t comma = rest.rfind(',');
    absl::string_view before_port = comma == absl::string_view::npos ? rest : rest.substr(0, comma);
    const size_t slash = before_port.find('\\');
    parts.host = before_port.substr(0, slash);
    tail = rest.substr(parts.host.size());
  }
  const size_t comma = tail.rfind(',');
  if (comma != absl::string_view::npos) parts.port = tail.substr(comma + 1);
  absl::string_view instance_part = tail.substr(0, comma);
  if (absl::ConsumePrefix(&instance_part, "\\")) parts.instance = instance_part;
  return parts;
}

// Named pipes ("np:") and shared memory ("lpc:") reach only one machine's SQL Server.
bool IsLocalProtocol(absl::string_view text) {
  return absl::StartsWithIgnoreCase(text, "np:") || absl::StartsWithIgnoreCase(text, "lpc:");
}

// "host:port" (one ':' in an unbracketed host: not an IPv6 literal), the usual slip: the
// address with the port after a comma ("tcp:sql01\\INST,1433"); "" when not that form.
std::string CommaPortFix(absl::string_view text, const SqlServerParts& parts) {
  const absl::string_view host = parts.host;
  const size_t colon = host.find(':');
  if (parts.bracketed || parts.port.has_value() || colon == absl::string_view::npos || colon == 0 ||
      colon + 1 == host.size() || host.find(':', colon + 1) != absl::string_view::npos) {
    return "";
  }
  const absl::string_view prefix = text.substr(0, static_cast<size_t>(host.data() - text.data()));
  return absl::StrCat(prefix, host.substr(0, colon),
                      parts.instance.has_value() ? absl::StrCat("\\", *parts.instance) : "", ",",
                      host.substr(colon + 1));
}

// The forms SQL Server's client accepts but a farm cannot use, or that are a common slip,
// with what to write instead.
absl::Status CheckSqlServerForm(absl::string_view text, const SqlServerParts& parts) {
  constexpr absl::string_view kWhat = "SQL Server address";
  if (IsLocalProtocol(text)) {
    return Invalid(kWhat, text,
                   "named pipes and shared memory cannot be used by a farm (every server "
                   "connects over TCP): give [tcp:]host[\\instance][,port]");
  }
  const std::string fixed = CommaPortFix(text, parts);
  if (!fixed.empty()) {
    return Invalid(
        kWhat, text,
        absl::StrCat("SQL Server takes the port after a comma: host,port; write ", Quote(fixed)));
  }
  return absl::OkStatus();
}

absl::string_view StripTcpPrefix(absl::string_view text, bool* had_prefix) {
  *had_prefix = text.size() >= 4 && absl::EqualsIgnoreCase(text.substr(0, 4), "tcp:");
  return *had_prefix ? text.substr(4) : text;
}

absl::Status ValidateServiceName(absl::string_view service, absl::string_view text) {
  constexpr absl::string_view kWhat = "Oracle address";
  if (service.empty()) return Invalid(kWhat, text, "empty service name after '/'");
  if (service.size() > kMaxServiceNameLength) {
    return Invalid(kWhat, text,
                   absl::StrCat("service name is ", service.size(), " characters, more than ",
                                kMaxServiceNameLength));
  }
  for (size_t i = 0; i < service.size(); ++i) {
    const char c = service[i];
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && !absl::StrContains("_.-$#", c)) {
      return Invalid(kWhat, text,
                     absl::StrCat(DescribeChar(c), " at position ", i + 1, " of service name ",
                                  Quote(service), " is not allowed"));
    }
  }
  return absl::OkStatus();
}

// Splits "host[:port]" or "[v6][:port]" of an Oracle address.
absl::Status SplitOracleHostPort(absl::string_view host_port, absl::string_view text,
                                 absl::string_view* host, std::optional<absl::string_view>* port) {
  absl::string_view tail;
  if (absl::StartsWith(host_port, "[")) {
    const size_t close = host_port.find(']');
    if (close == absl::string_view::npos) {
      return Invalid("Oracle address", text, "'[' without a closing ']'");
    }
    *host = host_port.substr(1, close - 1);
    tail = host_port.substr(close + 1);
    if (!tail.empty() && tail[0] != ':') {
      return Invalid("Oracle address", text, "expected ':' or '/' after ']'");
    }
  } else {
    const size_t colon = host_port.find(':');
    *host = host_port.substr(0, colon);
    tail = colon == absl::string_view::npos ? "" : host_port.substr(colon);
    if (tail.find(':', 1) != absl::string_view::npos) {
      return Invalid("Oracle address", text, "IPv6 hosts must be in brackets: [::1]:1521/SVC");
    }
  }
  if (!tail.empty()) *port = tail.substr(1);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSafeText(absl::string_view text, absl::string_view what) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  for (size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x20 || u == 0x7F || absl::StrContains("<>&\"'", text[i])) {
      return Invalid(
          what, text,
          absl::StrCat(DescribeChar(text[i]), " at position ", i + 1, " is not allowed"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateHost(absl::string_view host) {
  if (host.empty()) return absl::InvalidArgumentError("host is empty");
  if (absl::Status s = CheckAddressText(host, "host"); !s.ok()) return s;
  if (host.find(':') != absl::string_view::npos) return ValidateIpv6(host);
  return ValidateHostname(host);
}

bool IsLoopbackHost(absl::string_view host) {
  if (absl::EqualsIgnoreCase(host, "localhost") || absl::EqualsIgnoreCase(host, "localhost.") ||
      absl::EqualsIgnoreCase(host, "(local)") || host == ".") {
    return true;
  }
  const std::optional<platform::IpAddress> ip = platform::ParseIpAddress(std::string(host));
  if (!ip) return false;
  const auto& b = ip->bytes;
  if (!ip->v6) return b[0] == 127;
  // ::1, or ::ffff:127.x.y.z (IPv4-mapped).
  const bool zero_prefix =
      std::all_of(b.begin(), b.begin() + 10, [](unsigned char c) { return c == 0; });
  if (zero_prefix && b[10] == 0 && b[11] == 0 && b[12] == 0 && b[13] == 0 && b[14] == 0 &&
      b[15] == 1) {
    return true;
  }
  return zero_prefix && b[10] == 0xff && b[11] == 0xff && b[12] == 127;
}

absl::StatusOr<SqlServerAddress> ParseSqlServerAddress(absl::string_view text) {
  constexpr absl::string_view kWhat = "SQL Server address";
  if (absl::Status s = CheckAddressText(text, kWhat); !s.ok()) return s;
  SqlServerAddress address;
  const absl::string_view rest = StripTcpPrefix(text, &address.tcp_prefix);
  absl::StatusOr<SqlServerParts> parts = SplitSqlServer(rest, text);
  if (!parts.ok()) return parts.status();
  if (absl::Status s = CheckSqlServerForm(text, *parts); !s.ok()) return s;
  if (absl::Status s = ValidateHostIn(parts->host, kWhat, text); !s.ok()) return s;
  address.host = std::string(parts->host);
  if (parts->instance.has_value()) {
    if (absl::Status s = ValidateInstance(*parts->instance, text); !s.ok()) return s;
    address.instance = std::string(*parts->instance);
  }
  if (parts->port.has_value()) {
    absl::StatusOr<uint32_t> port = ParsePort(*parts->port, kWhat, text);
    if (!port.ok()) return port.status();
    address.port = *port;
  }
  return address;
}

std::string FormatSqlServerAddress(const SqlServerAddress& address) {
  std::string out = address.tcp_prefix ? "tcp:" : "";
  absl::StrAppend(&out, address.host);
  if (!address.instance.empty()) absl::StrAppend(&out, "\\", address.instance);
  if (address.port != 0) absl::StrAppend(&out, ",", address.port);
  return out;
}

absl::StatusOr<OracleAddress> ParseOracleAddress(absl::string_view text) {
  constexpr absl::string_view kWhat = "Oracle address";
  if (absl::Status s = CheckAddressText(text, kWhat); !s.ok()) return s;
  const size_t slash = text.rfind('/');
  if (slash == absl::string_view::npos) {
    return Invalid(kWhat, text, "missing '/service_name' (expected host[:port]/service_name)");
  }
  absl::string_view host;
  std::optional<absl::string_view> port;
  if (absl::Status s = SplitOracleHostPort(text.substr(0, slash), text, &host, &port); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateHostIn(host, kWhat, text); !s.ok()) return s;
  const absl::string_view service = text.substr(slash + 1);
  if (absl::Status s = ValidateServiceName(service, text); !s.ok()) return s;
  OracleAddress address;
  address.host = std::string(host);
  address.service_name = std::string(service);
  if (port.has_value()) {
    absl::StatusOr<uint32_t> value = ParsePort(*port, kWhat, text);
    if (!value.ok()) return value.status();
    address.port = *value;
  }
  return address;
}

absl::Status ValidateDatabaseAddress(absl::string_view text) {
  if (text.find('/') != absl::string_view::npos) return ParseOracleAddress(text).status();
  return ParseSqlServerAddress(text).status();
}

std::string FormatOracleAddress(const OracleAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", address.host, v6 ? "]" : "", ":", address.port, "/",
                      address.service_name);
}

}  // namespace osfleet

// libFuzzer target: the address parsers on arbitrary text. None may crash; whatever one
// accepts is safe text, and formats to a text that parses back to the same value (and
// formats the same again).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/model/address.h"
#include "common/model/host_port.h"

namespace osfleet {
namespace {

void Check(bool ok, absl::string_view what, absl::string_view text) {
  if (ok) return;
  const std::string escaped = absl::CHexEscape(text.substr(0, 2000));
  std::fprintf(stderr, "address_fuzz: invariant broken: %.*s: \"%s\"\n",
               static_cast<int>(what.size()), what.data(), escaped.c_str());
  std::abort();
}

bool IsSafe(absl::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || absl::string_view("<>&\"'").find(c) != absl::string_view::npos) {
      return false;
    }
  }
  return !text.empty();
}

bool HasSpace(absl::string_view text) {
  return text.find_first_of(" \t\n\v\f\r") != absl::string_view::npos;
}

void CheckSafeTextAgrees(absl::string_view text) {
  const absl::Status status = CheckSafeText(text, "text");
  Check(status.ok() == IsSafe(text), "CheckSafeText disagrees with its contract", text);
  Check(status.ok() || status.code() == absl::StatusCode::kInvalidArgument,
        "CheckSafeText: unexpected code", text);
}

void CheckSqlServer(absl::string_view text) {
  absl::StatusOr<SqlServerAddress> parsed = ParseSqlServerAddress(text);
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "ParseSqlServerAddress: unexpected code", text);
    return;
  }
  Check(IsSafe(text) && !HasSpace(text), "SQL Server address accepted unsafe text", text);
  Check(ValidateHost(parsed->host).ok(), "SQL Server address with an invalid host", text);
  Check(parsed->instance.size() <= kMaxInstanceNameLength, "instance name too long", text);
  Check(parsed->port <= 65535, "port out of range", text);
  const std::string formatted = FormatSqlServerAddress(*parsed);
  absl::StatusOr<SqlServerAddress> again = ParseSqlServerAddress(formatted);
  Check(again.ok(), "formatted SQL Server address does not parse",
        absl::StrCat(text, " -> ", formatted));
  Check(*again == *parsed, "SQL Server round trip changed the address",
        absl::StrCat(text, " -> ", formatted));
  Check(FormatSqlServerAddress(*again) == formatted, "SQL Server format is not stable", text);
}

void CheckOracle(absl::string_view text) {
  absl::StatusOr<OracleAddress> parsed = ParseOracleAddress(text);
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "ParseOracleAddress: unexpected code", text);
    return;
  }
  Check(IsSafe(text) && !HasSpace(text), "Oracle address accepted unsafe text", text);
  Check(ValidateHost(parsed->host).ok(), "Oracle address with an invalid host", text);
  Check(parsed->port >= 1 && parsed->port <= 65535, "Oracle port out of range", text);
  const std::string formatted = FormatOracleAddress(*parsed);
  absl::StatusOr<OracleAddress> again = ParseOracleAddress(formatted);
  Check(again.ok(), "formatted Oracle address does not parse",
        absl::StrCat(text, " -> ", formatted));
  Check(again->host == parsed->host && again->port == parsed->port &&
            again->service_name == parsed->service_name,
        "Oracle round trip changed the address", absl::StrCat(text, " -> ", formatted));
  Check(FormatOracleAddress(*again) == formatted, "Oracle format is not stable", text);
}

void CheckHostPort(absl::string_view text) {
  absl::StatusOr<HostPort> parsed = ParseHostPort(text, "agent address");
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "ParseHostPort: unexpected code", text);
    return;
  }
  Check(ValidateHost(parsed->host).ok(), "host:port with an invalid host", text);
  Check(parsed->port.value_or(0) <= 65535, "host:port port out of range", text);
  const std::string formatted = parsed->ToString();
  absl::StatusOr<HostPort> again = ParseHostPort(formatted, "agent address");
  Check(again.ok(), "formatted host:port does not parse", absl::StrCat(text, " -> ", formatted));
  Check(again->host == parsed->host && again->port == parsed->port.value_or(0),
        "host:port round trip changed the address", absl::StrCat(text, " -> ", formatted));
  Check(again->ToString() == formatted, "host:port format is not stable", text);
}

void FuzzOne(absl::string_view text) {
  CheckSafeTextAgrees(text);
  const absl::Status host = ValidateHost(text);
  Check(host.ok() || host.code() == absl::StatusCode::kInvalidArgument,
        "ValidateHost: unexpected code", text);
  Check(!host.ok() || (IsSafe(text) && !HasSpace(text)), "ValidateHost accepted unsafe text", text);
  (void)IsLoopbackHost(text);
  CheckSqlServer(text);
  CheckOracle(text);
  CheckHostPort(text);
}

}  // namespace
}  // namespace osfleet

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // addresses are short; keep the fuzzer on the parsers' logic
  osfleet::FuzzOne(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

#include "agent/service_center/wire_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/service_center/sc_wire.h"
#include "common/io/atomic_file.h"

namespace osfleet::agent {
namespace {

// PlatformServices' WSDL is some 100 KB; anything far larger is not it.
constexpr size_t kMaxWsdlBytes = 8 << 20;

}  // namespace

absl::StatusOr<ResolvedWire> WireFromAnswer(const std::string& wsdl_url,
                                            const HttpResponse& answer) {
  const std::string code = absl::StrCat("HTTP ", answer.status);
  if (answer.status == 502 || answer.status == 503 || answer.status == 504) {
    return absl::UnavailableError(
        absl::StrCat("Service Center's WSDL: ", code, " to GET ", wsdl_url));
  }
  if (answer.status == 200 && sc_wire::LooksLikeWsdl(answer.body)) {
    absl::StatusOr<sc_wire::Wire> wire =
        sc_wire::ParseWsdl(answer.body, absl::StrCat("WSDL ", wsdl_url));
    if (!wire.ok()) {
      return absl::Status(wire.status().code(),
                          absl::StrCat(wire.status().message(),
                                       "; nothing was called. Please send us this WSDL (it holds "
                                       "nothing secret): see docs/service-center.md"));
    }
    return ResolvedWire{*std::move(wire), ""};
  }
  const std::string what = answer.status == 200 ? std::string("a page that is not a WSDL") : code;
  return ResolvedWire{sc_wire::ConventionalWire(),
                      absl::StrCat("GET ", wsdl_url, " answered ", what,
                                   "; using osfleet's conventions (a saved copy of the WSDL as "
                                   "wsdl_file: is surer)")};
}

absl::StatusOr<sc_wire::Wire> WireFromFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileCapped(path, kMaxWsdlBytes);
  if (!text.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("wsdl_file ", text.status().message()));
  }
  return sc_wire::ParseWsdl(*text, absl::StrCat("wsdl_file ", path));
}

absl::StatusOr<ResolvedWire> ResolveWire(const HttpDriverConfig& config, const HttpClient& client,
                                         absl::Time deadline) {
  if (!config.wsdl_file.empty()) {
    absl::StatusOr<sc_wire::Wire> wire = WireFromFile(config.wsdl_file);
    if (!wire.ok()) return wire.status();
    return ResolvedWire{*std::move(wire), ""};
  }
  const std::string url = sc_wire::WsdlUrl(config.url);
  absl::StatusOr<HttpResponse> answer = client.Get(url, deadline);
  if (!answer.ok()) {
    return absl::Status(answer.status().code(),
                        absl::StrCat("Service Center's WSDL: ", answer.status().message()));
  }
  return WireFromAnswer(url, *answer);
}

}  // namespace osfleet::agent

// HttpPhaseDriver::Check: `osctl doctor`'s read-only look at Service Center (the WSDL
// and one Modules_Get; nothing applied, published or aborted).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/service_center/http_driver.h"
#include "agent/service_center/service_call.h"

namespace osfleet::agent {
namespace {

CheckRow UrlRow(const std::string& url, const std::string& wsdl_url,
                const absl::StatusOr<HttpResponse>& answer) {
  if (!answer.ok()) {
    return {"service_center.url", CheckLevel::kFail,
            absl::StrCat(url, " does not answer: ", answer.status().message())};
  }
  return {"service_center.url", CheckLevel::kOk,
          absl::StrCat(url, " answers: HTTP ", answer->status, " to GET ", wsdl_url, " (",
                       answer->body.size(), " bytes)")};
}

CheckRow WsdlRow(const absl::StatusOr<ResolvedWire>& resolved) {
  constexpr char kName[] = "service_center.wsdl";
  if (!resolved.ok()) return {kName, CheckLevel::kFail, std::string(resolved.status().message())};
  const sc_wire::Wire& wire = resolved->wire;
  std::vector<std::string> operations;
  for (const sc_wire::OperationWire* op :
       {&wire.modules_get, &wire.get_publish_messages, &wire.publish_abort}) {
    operations.push_back(sc_wire::DescribeOperation(*op));
  }
  const std::string names = absl::StrJoin(operations, "; ");
  if (!resolved->note.empty()) {
    return {kName, CheckLevel::kWarn, absl::StrCat(resolved->note, ": ", names)};
  }
  return {kName, CheckLevel::kOk,
          absl::StrCat(wire.source, ": every operation the phase needs: ", names)};
}

// The wire doctor reports: wsdl_file when set, else the answer to ?WSDL (none when the
// server did not answer).
absl::StatusOr<ResolvedWire> CheckedWire(const HttpDriverConfig& config,
                                         const std::string& wsdl_url,
                                         const absl::StatusOr<HttpResponse>& answer) {
  if (!config.wsdl_file.empty()) {
    absl::StatusOr<sc_wire::Wire> wire = WireFromFile(config.wsdl_file);
    if (!wire.ok()) return wire.status();
    return ResolvedWire{*std::move(wire), ""};
  }
  if (!answer.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("not read: ", config.url, " does not answer"));
  }
  return WireFromAnswer(wsdl_url, *answer);
}

// One Modules_Get with the configured credentials: accepted, and what it lists.
CheckRow ModulesGetRow(const HttpDriverConfig& config, const HttpClient& client,
                       const absl::StatusOr<ResolvedWire>& resolved, absl::Time deadline,
                       const CancelToken& cancel) {
  constexpr char kName[] = "service_center.modules_get";
  if (absl::Status gone = cancel.Check(); !gone.ok()) {
    return {kName, CheckLevel::kFail, absl::StrCat("not called: ", gone.message())};
  }
  if (!resolved.ok()) {
    return {kName, CheckLevel::kFail, "not called: no usable wire (see service_center.wsdl)"};
  }
  absl::StatusOr<std::string> encrypted = ReadEncryptedPassword(config.password_encrypted_file);
  if (!encrypted.ok()) return {kName, CheckLevel::kFail, std::string(encrypted.status().message())};
  const sc_wire::Credentials credentials{config.user, *std::move(encrypted)};
  const Redactor redactor = CredentialRedactor(credentials);
  const sc_wire::OperationWire& op = resolved->wire.modules_get;
  absl::StatusOr<std::string> body =
      CallService(client, sc_wire::ModulesGetRequest(config.url, credentials, op), deadline,
                  redactor, credentials.user);
  absl::StatusOr<std::vector<ScModule>> modules =
      body.ok() ? sc_wire::ParseModulesGetResponse(*body, op) : body.status();
  if (!modules.ok()) return {kName, CheckLevel::kFail, redactor.Redact(modules.status().message())};
  const auto flagged = std::count_if(modules->begin(), modules->end(), IsFlagged);
  return {kName, CheckLevel::kOk,
          redactor.Redact(absl::StrCat("user ", credentials.user, " accepted: ", modules->size(),
                                       " modules, ", flagged, " flagged (6/13)"))};
}

}  // namespace

// Read-only: the WSDL and one Modules_Get; nothing applied, published or aborted.
std::vector<CheckRow> HttpPhaseDriver::Check(absl::Time deadline, const CancelToken& cancel) {
  const std::string wsdl_url = sc_wire::WsdlUrl(config_.url);
  const absl::StatusOr<HttpResponse> answer = client_.Get(wsdl_url, deadline);
  const absl::StatusOr<ResolvedWire> resolved = CheckedWire(config_, wsdl_url, answer);
  return {UrlRow(config_.url, wsdl_url, answer), WsdlRow(resolved),
          ModulesGetRow(config_, client_, resolved, deadline, cancel)};
}

}  // namespace osfleet::agent

#include "agent/service_center/service_call.h"

#include "absl/strings/str_cat.h"

namespace osfleet::agent {

absl::StatusOr<std::string> CallService(const HttpClient& client,
                                        const sc_wire::PostRequest& request, absl::Time deadline,
                                        const Redactor& redactor, const std::string& user) {
  absl::StatusOr<HttpResponse> response =
      client.Post(HttpPost{request.url, request.headers, request.body}, deadline);
  if (!response.ok()) {
    return absl::Status(
        response.status().code(),
        redactor.Redact(absl::StrCat(request.operation, ": ", response.status().message())));
  }
  // Masked before anything reads it: a snippet of the body cut at 200 bytes could
  // otherwise end inside an echoed credential, where no later pass would recognise it.
  const std::string body = redactor.Redact(response->body);
  absl::Status status = sc_wire::CheckHttpStatus(request.operation, response->status, body, user);
  if (!status.ok()) return status;
  return body;
}

}  // namespace osfleet::agent

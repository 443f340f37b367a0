// A small blocking HTTP(S) POST (and GET, for the WSDL) over libcurl for the Service Center
// driver: certificate verification on by default, a timeout per request, retries only where
// the request surely never reached the server (it could not connect). Requests may carry
// credentials: this client never logs headers or bodies.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace osfleet::agent {

struct HttpClientOptions {
  std::string ca_file;                         // CA bundle for HTTPS; empty = the system's CAs
  bool insecure_skip_verify = false;           // no certificate or host name check (a lab only)
  absl::Duration timeout = absl::Seconds(30);  // per attempt, connect to last byte
  int connect_retries = 3;                     // extra attempts when connecting fails
  absl::Duration first_backoff = absl::Milliseconds(100);  // doubles per retry, max 2s
  // The largest answer body read; curl stops reading past it. `max_body_key` names the
  // setting that raises it, for the error (e.g. "service_center.max_answer_mib").
  size_t max_body_bytes = size_t{64} << 20;
  std::string max_body_key;
};

struct HttpPost {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  bool get = false;  // a GET without a body (Get() sets it)
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options) : options_(std::move(options)) {}

  // Any HTTP status is a response (the caller reads it). Errors: UNAVAILABLE (cannot
  // resolve or connect after the retries, timeout, connection lost), FAILED_PRECONDITION
  // (TLS: the certificate does not verify, bad CA file, handshake fails), each with curl's
  // error text; RESOURCE_EXHAUSTED for an answer over max_body_bytes (naming the cap and
  // max_body_key; reading stops there). Never waits past `deadline`.
  absl::StatusOr<HttpResponse> Post(const HttpPost& request,
                                    absl::Time deadline = absl::InfiniteFuture()) const;
  // The same for a GET of url (no credentials: what it fetches is public, the WSDL).
  absl::StatusOr<HttpResponse> Get(const std::string& url,
                                   absl::Time deadline = absl::InfiniteFuture()) const;

 private:
  absl::StatusOr<HttpResponse> PostOnce(const HttpPost& request, absl::Duration timeout,
                                        bool& may_retry) const;

  const HttpClientOptions options_;
};

}  // namespace osfleet::agent

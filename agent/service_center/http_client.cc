#include "agent/service_center/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
constexpr absl::Duration kMinAttemptTime = absl::Milliseconds(1);

absl::once_flag curl_init_once;

struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct CurlListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Received {
  size_t max_bytes = 0;
  std::string body;
  bool too_large = false;
};

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  const size_t n = size * count;
  if (received->body.size() + n > received->max_bytes) {
    received->too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  received->body.append(data, n);
  return n;
}

bool IsConnectError(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
         code == CURLE_COULDNT_RESOLVE_PROXY;
}

bool IsTlsError(CURLcode code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
         code == CURLE_SSL_CONNECT_ERROR || code == CURLE_SSL_CERTPROBLEM ||
         code == CURLE_SSL_CIPHER || code == CURLE_SSL_ISSUER_ERROR ||
         code == CURLE_SSL_PINNEDPUBKEYNOTMATCH || code == CURLE_SSL_CRL_BADFILE;
}

bool AppendHeader(std::unique_ptr<curl_slist, CurlListDeleter>& list, const std::string& line) {
  curl_slist* head = curl_slist_append(list.get(), line.c_str());
  if (head == nullptr) return false;
  (void)list.release();
  list.reset(head);
  return true;
}

// The URL without its query (which may carry names, never secrets, but stays short).
std::string Where(const std::string& url) { return url.substr(0, url.find('?')); }

const char* Method(const HttpPost& request) { return request.get ? "GET" : "POST"; }

absl::Status CurlError(CURLcode code, const char* error_text, const HttpPost& request) {
  const std::string text = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
  const std::string what =
      ValidUtf8(absl::StrCat(Method(request), " ", Where(request.url), ": ", text));
  if (IsTlsError(code)) return absl::FailedPreconditionError(absl::StrCat("TLS: ", what));
  return absl::UnavailableError(what);
}

// "POST URL: the answer is over 32 MiB (the cap service_center.max_answer_mib; raise it in
// the agent's config if this Service Center is really that large)".
absl::Status TooLarge(const HttpPost& request, const HttpClientOptions& options) {
  const size_t mib = size_t{1} << 20;
  const std::string cap = options.max_body_bytes % mib == 0
                              ? absl::StrCat(options.max_body_bytes / mib, " MiB")
                              : absl::StrCat(options.max_body_bytes, " bytes");
  const std::string key =
      options.max_body_key.empty()
          ? ""
          : absl::StrCat(" (the cap ", options.max_body_key,
                         "; raise it in the agent's config if the answer is really that large)");
  return absl::ResourceExhaustedError(absl::StrCat(Method(request), " ", Where(request.url),
                                                   ": the answer is over ", cap,
                                                   "; stopped reading it", key));
}

void SetTls(CURL* curl, const HttpClientOptions& options) {
  const long verify = options.insecure_skip_verify ? 0L : 1L;
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify * 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
}

// Options common to every attempt. Redirects are not followed: they would carry the
// credentials to another place.
void SetCommon(CURL* curl, const HttpPost& request, curl_slist* headers, absl::Duration timeout,
               Received& received, char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  if (request.get) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout))));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
}

}  // namespace

absl::StatusOr<HttpResponse> HttpClient::PostOnce(const HttpPost& request, absl::Duration timeout,
                                                  bool& may_retry) const {
  may_retry = false;
  std::unique_ptr<CURL, CurlEasyDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  std::unique_ptr<curl_slist, CurlListDeleter> headers;
  // libcurl adds "Expect: 100-continue" to large POSTs; IIS and our fake don't need it.
  std::vector<std::string> lines = request.headers;
  lines.push_back("Expect:");
  for (const std::string& line : lines) {
    if (!AppendHeader(headers, line)) return absl::ResourceExhaustedError("curl_slist_append");
  }
  Received received;
  received.max_bytes = options_.max_body_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  SetCommon(curl.get(), request, headers.get(), timeout, received, error_buffer);
  SetTls(curl.get(), options_);
  const CURLcode code = curl_easy_perform(curl.get());
  if (received.too_large) return TooLarge(request, options_);
  if (code != CURLE_OK) {
    may_retry = IsConnectError(code);
    return CurlError(code, error_buffer, request);
  }
  HttpResponse response;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(received.body);
  return response;
}

absl::StatusOr<HttpResponse> HttpClient::Post(const HttpPost& request, absl::Time deadline) const {
  absl::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  absl::Duration backoff = options_.first_backoff;
  for (int attempt = 0;; ++attempt) {
    const absl::Duration left = deadline - absl::Now();
    if (left < kMinAttemptTime) {
      return absl::DeadlineExceededError(absl::StrCat(Method(request), " ", Where(request.url),
                                                      ": no time left before the deadline"));
    }
    bool may_retry = false;
    absl::StatusOr<HttpResponse> response =
        PostOnce(request, std::min(options_.timeout, left), may_retry);
    if (response.ok() || !may_retry || attempt >= options_.connect_retries ||
        absl::Now() + backoff >= deadline) {
      if (!response.ok() && attempt > 0) {
        return absl::Status(
            response.status().code(),
            absl::StrCat(response.status().message(), " (", attempt + 1, " attempts)"));
      }
      return response;
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

absl::StatusOr<HttpResponse> HttpClient::Get(const std::string& url, absl::Time deadline) const {
  HttpPost request;
  request.url = url;
  request.get = true;
  return Post(request, deadline);
}

}  // namespace osfleet::agent

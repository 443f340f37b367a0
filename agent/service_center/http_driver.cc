#include "agent/service_center/http_driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "common/logging.h"
#include "common/platform/files.h"
#include "common/redact.h"

namespace osfleet::agent {
namespace {

constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(250);

constexpr size_t kMaxHashFileBytes = 4096;

HttpClientOptions ClientOptions(const HttpDriverConfig& config) {
  HttpClientOptions options;
  options.ca_file = config.ca_file;
  options.insecure_skip_verify = config.insecure_skip_verify;
  options.timeout = config.request_timeout;
  options.connect_retries = config.connect_retries;
  return options;
}

std::string Describe(const PublishMessage& m) {
  return m.detail.empty() ? m.message : absl::StrCat(m.message, " (", m.detail, ")");
}

// One Run: the credentials, the deadline and the counts live only as long as it does.
class Session {
 public:
  Session(const HttpDriverConfig& config, sc_wire::SoapVersion version, const HttpClient& client,
          sc_wire::Credentials credentials, const PhaseOptions& options, const PhaseEventSink& sink)
      : config_(config),
        version_(version),
        client_(client),
        credentials_(std::move(credentials)),
        options_(options),
        sink_(sink),
        deadline_(absl::Now() + options.deadline),
        redactor_(CredentialRedactor(credentials_)) {}

  absl::StatusOr<PhaseResult> Run();
  // Every text that leaves the driver goes through here: the hash never does.
  std::string Redact(absl::string_view text) const;

 private:
  absl::StatusOr<std::string> Call(const sc_wire::PostRequest& request, absl::Time deadline);
  absl::StatusOr<std::vector<ScModule>> ListModules();
  absl::StatusOr<std::vector<ScModule>> Select(std::vector<ScModule> all) const;
  absl::StatusOr<std::string> StartPublish(const std::vector<ScModule>& modules);
  absl::Status Follow(const std::string& publish_id);
  std::optional<std::string> Take(const sc_wire::PublishMessagesPage& page);
  absl::Status Finished(const std::string& publish_id) const;
  absl::Status Abort(const std::string& publish_id, absl::StatusCode code,
                     const std::string& reason);
  void Emit(PhaseEvent event) const;

  const HttpDriverConfig& config_;
  const sc_wire::SoapVersion version_;
  const HttpClient& client_;
  const sc_wire::Credentials credentials_;
  const PhaseOptions& options_;
  const PhaseEventSink& sink_;
  const absl::Time deadline_;
  const Redactor redactor_;
  PhaseResult result_;
  std::string first_error_;
};

std::string Session::Redact(absl::string_view text) const { return redactor_.Redact(text); }

void Session::Emit(PhaseEvent event) const {
  for (ScModule& m : event.modules) {
    for (std::string* field : {&m.name, &m.key, &m.kind}) *field = Redact(*field);
  }
  event.publish_id = Redact(event.publish_id);
  event.message.type_text = Redact(event.message.type_text);
  event.message.message = Redact(event.message.message);
  event.message.detail = Redact(event.message.detail);
  event.reason = Redact(event.reason);
  if (sink_) sink_(event);
}

absl::StatusOr<std::string> Session::Call(const sc_wire::PostRequest& request,
                                          absl::Time deadline) {
  absl::StatusOr<HttpResponse> response =
      client_.Post(HttpPost{request.url, request.headers, request.body}, deadline);
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        Redact(absl::StrCat(request.operation, ": ", response.status().message())));
  }
  // Masked before anything reads it: a snippet of the body cut at 200 bytes could
  // otherwise end inside an echoed credential, where no later pass would recognise it.
  const std::string body = Redact(response->body);
  absl::Status status =
      sc_wire::CheckHttpStatus(request.operation, response->status, body, credentials_.user);
  if (!status.ok()) return status;
  return body;
}

absl::StatusOr<std::vector<ScModule>> Session::ListModules() {
  absl::StatusOr<std::string> body =
      Call(sc_wire::ModulesGetRequest(config_.url, credentials_, version_), deadline_);
  if (!body.ok()) return body.status();
  absl::StatusOr<std::vector<ScModule>> all = sc_wire::ParseModulesGetResponse(*body);
  if (!all.ok()) return all.status();
  return Select(*std::move(all));
}

// The modules named in options (any case), in Service Center's order; all when none named.
absl::StatusOr<std::vector<ScModule>> Session::Select(std::vector<ScModule> all) const {
  if (options_.modules.empty()) return all;
  std::vector<std::string> unknown;
  for (const std::string& name : options_.modules) {
    if (std::none_of(all.begin(), all.end(),
                     [&](const ScModule& m) { return absl::EqualsIgnoreCase(m.name, name); })) {
      unknown.push_back(name);
    }
  }
  if (!unknown.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Service Center has no module named ", absl::StrJoin(unknown, ", "), " (of ",
                     all.size(), " modules); nothing was published"));
  }
  std::vector<ScModule> selected;
  for (ScModule& m : all) {
    if (std::any_of(options_.modules.begin(), options_.modules.end(), [&](const std::string& name) {
          return absl::EqualsIgnoreCase(m.name, name);
        })) {
      selected.push_back(std::move(m));
    }
  }
  return selected;
}

absl::StatusOr<std::string> Session::StartPublish(const std::vector<ScModule>& modules) {
  absl::StatusOr<std::string> body = Call(
      sc_wire::PublishRequest(config_.url, credentials_, config_.staging_name, modules), deadline_);
  if (!body.ok()) return body.status();
  return sc_wire::ParsePublishResponse(*body);
}

// Counts and reports the page's messages; the reason to abort at the first one that calls
// for it (the messages after it are not reported).
std::optional<std::string> Session::Take(const sc_wire::PublishMessagesPage& page) {
  for (const PublishMessage& m : page.messages) {
    PhaseEvent event;
    event.kind = PhaseEvent::Kind::kMessage;
    event.message = m;
    Emit(std::move(event));
    if (m.type == PublishMessageType::kError) {
      ++result_.errors;
      if (first_error_.empty()) first_error_ = Describe(m);
      if (options_.abort_on_error) return absl::StrCat("error: ", Describe(m));
    } else if (m.type == PublishMessageType::kWarning) {
      ++result_.warnings;
      if (options_.stop_on_warning) return absl::StrCat("warning (stop_on_warning): ", Describe(m));
    } else {
      ++result_.infos;
    }
  }
  return std::nullopt;
}

absl::Status Session::Follow(const std::string& publish_id) {
  const std::string late =
      absl::StrCat("not finished within the deadline of ", absl::FormatDuration(options_.deadline));
  int64_t after = 0;
  for (;;) {
    if (absl::Now() >= deadline_)
      return Abort(publish_id, absl::StatusCode::kDeadlineExceeded, late);
    if (absl::Status gone = options_.cancel.Check(); !gone.ok()) {
      return Abort(publish_id, gone.code(), absl::StrCat("stopped: ", gone.message()));
    }
    absl::StatusOr<std::string> body = Call(
        sc_wire::GetPublishMessagesRequest(config_.url, credentials_, publish_id, after, version_),
        deadline_);
    absl::StatusOr<sc_wire::PublishMessagesPage> page =
        body.ok() ? sc_wire::ParsePublishMessagesResponse(*body) : body.status();
    // A poll cut short by the phase deadline (curl's timeout rounds down to a millisecond,
    // so it can end just before deadline_) is the deadline, not an outage.
    if (!page.ok() && absl::Now() + kDeadlineSlack >= deadline_) {
      return Abort(publish_id, absl::StatusCode::kDeadlineExceeded, late);
    }
    if (!page.ok()) {
      return absl::Status(page.status().code(),
                          absl::StrCat(page.status().message(), " (publish ", publish_id,
                                       " may still be running in Service Center)"));
    }
    if (std::optional<std::string> reason = Take(*page)) {
      return Abort(publish_id, absl::StatusCode::kFailedPrecondition, *reason);
    }
    for (const PublishMessage& m : page->messages) after = std::max(after, m.id);
    after = page->last_message_id.value_or(after);
    if (page->finished) return Finished(publish_id);
    options_.cancel.SleepFor(std::min(config_.poll_interval, deadline_ - absl::Now()));
  }
}

absl::Status Session::Finished(const std::string& publish_id) const {
  if (result_.errors == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("publish ", publish_id, " finished with ",
                                                    result_.errors, " error(s): ", first_error_));
}

// The abort call gets its own request_timeout: the phase deadline may have passed already.
absl::Status Session::Abort(const std::string& publish_id, absl::StatusCode code,
                            const std::string& reason) {
  result_.aborted = true;
  PhaseEvent event;
  event.kind = PhaseEvent::Kind::kAborting;
  event.publish_id = publish_id;
  event.reason = reason;
  Emit(std::move(event));
  spdlog::warn("Service Center: aborting publish {}: {}", publish_id, Redact(reason));
  std::string outcome = "aborted it";
  absl::StatusOr<std::string> body =
      Call(sc_wire::PublishAbortRequest(config_.url, credentials_, publish_id, version_),
           absl::Now() + config_.request_timeout);
  absl::Status aborted = body.ok() ? sc_wire::ParsePublishAbortResponse(*body) : body.status();
  if (!aborted.ok()) outcome = absl::StrCat("could not abort it: ", aborted.message());
  return absl::Status(code, absl::StrCat("publish ", publish_id, " ", reason, "; ", outcome));
}

absl::StatusOr<PhaseResult> Session::Run() {
  absl::StatusOr<std::vector<ScModule>> modules = ListModules();
  if (!modules.ok()) return modules.status();
  result_.modules = static_cast<int>(modules->size());
  result_.dry_run = options_.dry_run;
  Emit(PhaseEvent{PhaseEvent::Kind::kModulesListed, *modules, "", {}, ""});
  spdlog::info("Service Center: {} module(s) to republish{}", modules->size(),
               options_.dry_run ? " (dry run: publishing nothing)" : "");
  if (options_.dry_run || modules->empty()) return result_;
  if (absl::Status gone = options_.cancel.Check(); !gone.ok()) return gone;  // publish nothing
  absl::StatusOr<std::string> publish_id = StartPublish(*modules);
  if (!publish_id.ok()) return publish_id.status();
  result_.publish_id = *publish_id;
  Emit(PhaseEvent{PhaseEvent::Kind::kPublishStarted, {}, *publish_id, {}, ""});
  spdlog::info("Service Center: publish {} started", *publish_id);
  if (absl::Status s = Follow(*publish_id); !s.ok()) return s;
  spdlog::info("Service Center: publish {} finished: {} info(s), {} warning(s)", *publish_id,
               result_.infos, result_.warnings);
  return result_;
}

}  // namespace

Redactor CredentialRedactor(const sc_wire::Credentials& credentials) {
  Redactor redactor;
  const absl::string_view bare = absl::StripPrefix(credentials.hash, "#");
  redactor.AddSecret(bare);
  redactor.AddBasicCredentials(credentials.user, credentials.hash);  // what PublishRequest sends
  redactor.AddBasicCredentials(credentials.user, bare);
  return redactor;
}

absl::StatusOr<std::string> ReadPasswordHash(const std::string& path) {
  const platform::Result<platform::PathKind> kind = platform::KindOf(path);
  if (!kind.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("password_hash_file ", path, ": ", kind.error().Reason()));
  }
  if (*kind != platform::PathKind::kFile) {
    return absl::FailedPreconditionError(
        absl::StrCat("password_hash_file ", path, " is not a regular file"));
  }
  const platform::Result<bool> is_private = platform::SecretFileIsPrivate(path);
  if (!is_private.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("password_hash_file ", path, ": ", is_private.error().Reason()));
  }
  if (!*is_private) {
    return absl::FailedPreconditionError(
        absl::StrCat("password_hash_file ", path,
                     " is readable by others; run: ", platform::MakePrivateCommand(path)));
  }
  absl::StatusOr<std::string> text = ReadFileCapped(path, kMaxHashFileBytes);
  if (!text.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("password_hash_file: ", text.status().message()));
  }
  const absl::string_view hash = absl::StripAsciiWhitespace(*text);
  if (hash.empty() || hash == "#") {
    return absl::FailedPreconditionError(absl::StrCat("password_hash_file ", path, " is empty"));
  }
  return absl::StartsWith(hash, "#") ? std::string(hash) : absl::StrCat("#", hash);
}

HttpPhaseDriver::HttpPhaseDriver(HttpDriverConfig config, sc_wire::SoapVersion soap_version)
    : config_(std::move(config)), soap_version_(soap_version), client_(ClientOptions(config_)) {}

absl::StatusOr<PhaseResult> HttpPhaseDriver::Run(const PhaseOptions& options,
                                                 const PhaseEventSink& sink) {
  absl::StatusOr<std::string> hash = ReadPasswordHash(config_.password_hash_file);
  if (!hash.ok()) return hash.status();
  Session session(config_, soap_version_, client_, {config_.user, *std::move(hash)}, options, sink);
  absl::StatusOr<PhaseResult> result = session.Run();
  if (result.ok()) return result;
  spdlog::warn("Service Center phase failed: {}", session.Redact(result.status().message()));
  return absl::Status(result.status().code(), session.Redact(result.status().message()));
}

}  // namespace osfleet::agent

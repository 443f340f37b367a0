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
#include "agent/configuration_tool/configuration_tool.h"
#include "agent/service_center/sc_credentials.h"
#include "agent/service_center/service_call.h"
#include "common/io/atomic_file.h"
#include "common/api/logging.h"
#include "common/platform/files.h"
#include "common/text/redact.h"

namespace osfleet::agent {
namespace {

constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(250);

HttpClientOptions ClientOptions(const HttpDriverConfig& config) {
  HttpClientOptions options;
  options.ca_file = config.ca_file;
  options.insecure_skip_verify = config.insecure_skip_verify;
  options.timeout = config.request_timeout;
  options.connect_retries = config.connect_retries;
  options.max_body_bytes = static_cast<size_t>(config.max_answer_mib) << 20;
  options.max_body_key = "service_center.max_answer_mib";
  return options;
}

std::string Describe(const PublishMessage& m) {
  return m.detail.empty() ? m.message : absl::StrCat(m.message, " (", m.detail, ")");
}

// The tool's program and arguments, then its apply_settings switches (e.g.
// /ApplySettingsFactory), placeholders filled: what an administrator would type (arguments
// with blanks quoted), every secret masked as in the apply step's command line.
std::string ApplySettingsCommandLine(const ConfigurationToolConfig& tool,
                                     const ToolCredentials& credentials) {
  std::vector<std::string> args = tool.command;
  for (const std::string& arg : tool.apply_settings) {
    args.push_back(FillPlaceholders(arg, credentials));
  }
  std::vector<std::string> words;
  for (const std::string& arg : args) {
    words.push_back(arg.find_first_of(" \t") == std::string::npos ? arg
                                                                  : absl::StrCat("\"", arg, "\""));
  }
  return CredentialRedactor(credentials).Redact(absl::StrJoin(words, " "));
}

// The Service Center credentials and the Apply Settings step's secrets, masked alike.
Redactor SessionRedactor(const sc_wire::Credentials& credentials,
                         const ToolCredentials& tool_credentials) {
  Redactor redactor = CredentialRedactor(credentials);
  AddToolSecrets(tool_credentials, redactor);
  return redactor;
}

// The tool's failure with what it printed and logged (each once).
std::string ToolFailure(const ToolRun& run) {
  std::string text(run.status.message());
  if (!run.output.empty() && !absl::StrContains(text, run.output)) {
    absl::StrAppend(&text, "; its output: ", run.output);
  }
  if (!run.log_tail.empty() && !absl::StrContains(text, run.log_tail)) {
    absl::StrAppend(&text, "; its log: ", run.log_tail);
  }
  return text;
}

PhaseEvent WaitEvent(PhaseEvent::Kind kind, const ServiceCenterWait& wait) {
  PhaseEvent event;
  event.kind = kind;
  event.wait = wait;
  return event;
}

SettingsStep StepFrom(const ToolRun& run, const std::string& command_line) {
  SettingsStep step;
  step.command_line = command_line;
  step.exit_code = run.exit_code;
  step.timed_out = run.timed_out;
  step.output = run.output;
  step.log_tail = run.log_tail;
  step.duration = run.duration;
  if (!run.status.ok()) step.error = ToolFailure(run);
  return step;
}

PhaseEvent WireEvent(const ResolvedWire& resolved) {
  PhaseEvent event;
  event.kind = PhaseEvent::Kind::kWire;
  event.wire = resolved.wire;
  event.wire_note = resolved.note;
  return event;
}

// One Run: the credentials, the deadline and the counts live only as long as it does.
class Session {
 public:
  Session(const HttpDriverConfig& config, const HttpClient& client,
          sc_wire::Credentials credentials, const PhaseOptions& options, const PhaseEventSink& sink)
      : config_(config),
        client_(client),
        credentials_(std::move(credentials)),
        options_(options),
        sink_(sink),
        deadline_(absl::Now() + options.deadline),
        redactor_(SessionRedactor(credentials_, options.tool_credentials)) {}

  absl::StatusOr<PhaseResult> Run();
  // Every text that leaves the driver goes through here: the encrypted password never does.
  std::string Redact(absl::string_view text) const;

 private:
  absl::StatusOr<std::string> Call(const sc_wire::PostRequest& request, absl::Time deadline);
  absl::StatusOr<std::vector<ScModule>> ListModules();
  absl::StatusOr<std::vector<ScModule>> Select(std::vector<ScModule> all) const;
  absl::Status ApplySettingsStep();
  absl::StatusOr<std::vector<ScModule>> AwaitServiceCenter();
  void ListChosen(const std::vector<ScModule>& considered, std::vector<ScModule>& chosen);
  absl::StatusOr<sc_wire::PublishAnswer> StartPublish(const std::vector<ScModule>& modules);
  absl::Status Refused(const sc_wire::PublishAnswer& answer);
  absl::Status Follow(const std::string& publish_id);
  std::optional<std::string> Take(const sc_wire::PublishMessagesPage& page);
  absl::Status Finished(const std::string& publish_id) const;
  absl::Status Abort(const std::string& publish_id, absl::StatusCode code,
                     const std::string& reason);
  void Emit(PhaseEvent event) const;

  const HttpDriverConfig& config_;
  const HttpClient& client_;
  const sc_wire::Credentials credentials_;
  const PhaseOptions& options_;
  const PhaseEventSink& sink_;
  const absl::Time deadline_;
  const Redactor redactor_;
  sc_wire::Wire wire_;  // set first thing in Run
  PhaseResult result_;
  std::string first_error_;
};

std::string Session::Redact(absl::string_view text) const { return redactor_.Redact(text); }

void Session::Emit(PhaseEvent event) const {
  for (std::vector<ScModule>* list : {&event.modules, &event.flagged}) {
    for (ScModule& m : *list) {
      for (std::string* field : {&m.name, &m.key, &m.kind}) *field = Redact(*field);
      for (ScStatusMessage& status : m.status_messages) status.message = Redact(status.message);
    }
  }
  for (std::string* field : {&event.publish_id, &event.message.type_text, &event.message.message,
                             &event.message.detail, &event.reason, &event.settings.command_line,
                             &event.settings.output, &event.settings.log_tail,
                             &event.settings.error, &event.wait.last_error, &event.wire_note}) {
    *field = Redact(*field);
  }
  if (sink_) sink_(event);
}

absl::StatusOr<std::string> Session::Call(const sc_wire::PostRequest& request,
                                          absl::Time deadline) {
  return CallService(client_, request, deadline, redactor_, credentials_.user);
}

// Every module Service Center lists, with its status messages.
absl::StatusOr<std::vector<ScModule>> Session::ListModules() {
  absl::StatusOr<std::string> body =
      Call(sc_wire::ModulesGetRequest(config_.url, credentials_, wire_.modules_get), deadline_);
  if (!body.ok()) {
    if (body.status().code() != absl::StatusCode::kResourceExhausted) return body.status();
    return absl::ResourceExhaustedError(
        absl::StrCat(body.status().message(), "; nothing was published"));
  }
  absl::StatusOr<std::vector<ScModule>> modules =
      sc_wire::ParseModulesGetResponse(*body, wire_.modules_get);
  if (modules.ok() && static_cast<int64_t>(modules->size()) > config_.max_modules) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Modules_Get: Service Center listed ", modules->size(), " modules, more than ",
        config_.max_modules,
        " (the cap service_center.max_modules; raise it in the agent's config if the factory "
        "really has that many); nothing was published"));
  }
  return modules;
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

// ConfigurationTool.com /ApplySettingsFactory alone, within what is left of the phase
// deadline (a dry run only says it would run it). It restarts this server's services too.
absl::Status Session::ApplySettingsStep() {
  if (!config_.configuration_tool.has_value()) {
    return absl::FailedPreconditionError(
        "apply_settings: configuration_tool, but the agent has no configuration_tool: section");
  }
  ConfigurationToolConfig tool = *config_.configuration_tool;
  const std::string command_line = ApplySettingsCommandLine(tool, options_.tool_credentials);
  PhaseEvent start;
  start.kind = PhaseEvent::Kind::kApplyingSettings;
  start.settings.command_line = command_line;
  start.settings.dry_run = options_.dry_run;
  Emit(start);
  if (options_.dry_run) return absl::OkStatus();
  if (absl::Status gone = options_.cancel.Check(); !gone.ok()) return gone;  // nothing run
  const absl::Duration left = deadline_ - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError("the phase deadline passed before Apply Settings ran");
  }
  tool.timeout = std::min(tool.timeout, left);
  spdlog::info("Service Center: Apply Settings to the Factory: running {}", Redact(command_line));
  const ToolRun run = ConfigurationTool(tool).ApplySettings(options_.tool_credentials);
  PhaseEvent done;
  done.kind = PhaseEvent::Kind::kSettingsApplied;
  done.settings = StepFrom(run, command_line);
  Emit(done);
  if (!run.status.ok()) {
    return absl::Status(run.status.code(),
                        absl::StrCat("Apply Settings to the Factory failed: ", done.settings.error,
                                     "; nothing was republished"));
  }
  result_.settings_applied = true;
  spdlog::info("Service Center: {}", Redact(run.Summary()));
  return absl::OkStatus();
}

// /ApplySettingsFactory restarted the services: Modules_Get every poll_interval until
// Service Center answers again (or the deadline, a cancel, or an answer that is an error of
// its own, such as refused credentials).
absl::StatusOr<std::vector<ScModule>> Session::AwaitServiceCenter() {
  const absl::Time start = absl::Now();
  ServiceCenterWait wait;
  for (;;) {
    ++wait.attempts;
    absl::StatusOr<std::vector<ScModule>> modules = ListModules();
    wait.waited = absl::Now() - start;
    const bool late = absl::Now() + kDeadlineSlack >= deadline_;
    if (modules.ok()) {
      Emit(WaitEvent(PhaseEvent::Kind::kServiceCenterAnswering, wait));
      return modules;
    }
    if (modules.status().code() != absl::StatusCode::kUnavailable && !late) return modules;
    wait.last_error = std::string(modules.status().message());
    if (wait.attempts == 1) {
      spdlog::info("Service Center: waiting for it to answer after Apply Settings: {}",
                   Redact(wait.last_error));
      Emit(WaitEvent(PhaseEvent::Kind::kWaitingForServiceCenter, wait));
    }
    if (late) {
      return absl::DeadlineExceededError(absl::StrCat(
          "Service Center did not answer within the phase deadline of ",
          absl::FormatDuration(options_.deadline), " after Apply Settings restarted the services (",
          wait.attempts, " attempt(s); last: ", wait.last_error, "); nothing was republished"));
    }
    if (absl::Status gone =
            options_.cancel.SleepFor(std::min(config_.poll_interval, deadline_ - absl::Now()));
        !gone.ok()) {
      return absl::Status(gone.code(),
                          absl::StrCat("stopped while waiting for Service Center after Apply "
                                       "Settings: ",
                                       gone.message(), "; nothing was republished"));
    }
  }
}

// The modules to republish among those considered, by `republish`; reported with the
// flagged ones (6, 13) whatever the policy.
void Session::ListChosen(const std::vector<ScModule>& considered, std::vector<ScModule>& chosen) {
  PhaseEvent event;
  event.kind = PhaseEvent::Kind::kModulesListed;
  for (const ScModule& m : considered) {
    if (IsFlagged(m)) event.flagged.push_back(m);
  }
  chosen = config_.republish == Republish::kAll        ? considered
           : config_.republish == Republish::kOutdated ? event.flagged
                                                       : std::vector<ScModule>{};
  event.modules = chosen;
  event.listed = static_cast<int>(considered.size());
  event.republish = config_.republish;
  event.dry_run = options_.dry_run;
  result_.modules = static_cast<int>(chosen.size());
  result_.listed = event.listed;
  result_.flagged = static_cast<int>(event.flagged.size());
  result_.republish = config_.republish;
  spdlog::info("Service Center: {} module(s) to republish (republish: {}; {} of {} flagged){}",
               chosen.size(), RepublishName(config_.republish), event.flagged.size(),
               considered.size(), options_.dry_run ? " (dry run: publishing nothing)" : "");
  Emit(std::move(event));
}

// The publish request, unless it is larger than max_publish_mib: then nothing is sent.
absl::StatusOr<sc_wire::PublishAnswer> Session::StartPublish(const std::vector<ScModule>& modules) {
  const sc_wire::PostRequest request =
      sc_wire::PublishRequest(config_.url, credentials_, config_.staging_name, modules);
  const int64_t cap = config_.max_publish_mib << 20;
  if (static_cast<int64_t>(request.body.size()) > cap) {
    return absl::ResourceExhaustedError(absl::StrCat(
        request.operation, ": the publish request for ", modules.size(), " module(s) is ",
        request.body.size(), " bytes, more than ", config_.max_publish_mib,
        " MiB (the cap service_center.max_publish_mib; raise it in the agent's config, or "
        "name fewer modules with --module); nothing was published"));
  }
  absl::StatusOr<std::string> body = Call(request, deadline_);
  if (!body.ok()) return body.status();
  return sc_wire::ParsePublishResponse(*body);
}

// publishId 0 (or none): Service Center refused the publish. Its reasons reach the
// operator as messages and in the error; there is no publication to poll or abort (a
// poll of 0 would answer "no messages, finished": a refusal reported as a success).
absl::Status Session::Refused(const sc_wire::PublishAnswer& answer) {
  std::vector<std::string> reasons;
  for (const PublishMessage& m : answer.messages) {
    PhaseEvent event;
    event.kind = PhaseEvent::Kind::kMessage;
    event.message = m;
    Emit(std::move(event));
    ++result_.errors;
    reasons.push_back(Describe(m));
  }
  spdlog::warn("Service Center refused the publish ({} message(s))", reasons.size());
  return absl::FailedPreconditionError(absl::StrCat(
      "Service Center refused the publish (publishId 0 or none)",
      reasons.empty() ? " and gave no reason" : absl::StrCat(": ", absl::StrJoin(reasons, "; ")),
      "; nothing was published, polled or aborted"));
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
    absl::StatusOr<std::string> body =
        Call(sc_wire::GetPublishMessagesRequest(config_.url, credentials_, publish_id, after,
                                                wire_.get_publish_messages),
             deadline_);
    absl::StatusOr<sc_wire::PublishMessagesPage> page =
        body.ok() ? sc_wire::ParsePublishMessagesResponse(*body, wire_.get_publish_messages)
                  : body.status();
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
    // A cancel is noticed at the top of the loop (and aborts the publish).
    (void)options_.cancel.SleepFor(std::min(config_.poll_interval, deadline_ - absl::Now()));
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
      Call(sc_wire::PublishAbortRequest(config_.url, credentials_, publish_id, wire_.publish_abort),
           absl::Now() + config_.request_timeout);
  absl::Status aborted =
      body.ok() ? sc_wire::ParsePublishAbortResponse(*body, wire_.publish_abort) : body.status();
  if (!aborted.ok()) outcome = absl::StrCat("could not abort it: ", aborted.message());
  return absl::Status(code, absl::StrCat("publish ", publish_id, " ", reason, "; ", outcome));
}

// The wire first (the WSDL, once per phase), then Modules_Get, before anything runs:
// Service Center answers, takes the credentials and knows the named modules. Then Apply
// Settings (when configured), then the modules Service Center lists afterwards,
// republished by `republish`.
absl::StatusOr<PhaseResult> Session::Run() {
  result_.dry_run = options_.dry_run;
  absl::StatusOr<ResolvedWire> resolved = ResolveWire(config_, client_, deadline_);
  if (!resolved.ok()) return resolved.status();
  wire_ = resolved->wire;
  spdlog::info("Service Center: wire from {}{}", wire_.source,
               resolved->note.empty() ? "" : absl::StrCat(" (", resolved->note, ")"));
  Emit(WireEvent(*resolved));
  absl::StatusOr<std::vector<ScModule>> listed = ListModules();
  if (!listed.ok()) return listed.status();
  absl::StatusOr<std::vector<ScModule>> considered = Select(*std::move(listed));
  if (!considered.ok()) return considered.status();
  if (config_.apply_settings == ApplySettings::kConfigurationTool) {
    if (absl::Status s = ApplySettingsStep(); !s.ok()) return s;
    if (!options_.dry_run) {
      listed = AwaitServiceCenter();
      if (!listed.ok()) return listed.status();
      considered = Select(*std::move(listed));
      if (!considered.ok()) return considered.status();
    }
  }
  std::vector<ScModule> modules;
  ListChosen(*considered, modules);
  if (options_.dry_run || modules.empty()) return result_;
  if (absl::Status gone = options_.cancel.Check(); !gone.ok()) return gone;  // publish nothing
  absl::StatusOr<sc_wire::PublishAnswer> answer = StartPublish(modules);
  if (!answer.ok()) return answer.status();
  if (answer->publish_id.empty()) return Refused(*answer);
  const std::string& publish_id = answer->publish_id;
  result_.publish_id = publish_id;
  PhaseEvent started;
  started.kind = PhaseEvent::Kind::kPublishStarted;
  started.publish_id = publish_id;
  Emit(std::move(started));
  spdlog::info("Service Center: publish {} started", publish_id);
  if (absl::Status s = Follow(publish_id); !s.ok()) return s;
  spdlog::info("Service Center: publish {} finished: {} info(s), {} warning(s)", publish_id,
               result_.infos, result_.warnings);
  return result_;
}

}  // namespace


HttpPhaseDriver::HttpPhaseDriver(HttpDriverConfig config)
    : config_(std::move(config)), client_(ClientOptions(config_)) {}

absl::Status HttpPhaseDriver::CheckCredentials(const PhaseOptions& options) const {
  if (options.dry_run || config_.apply_settings != ApplySettings::kConfigurationTool ||
      !config_.configuration_tool.has_value()) {
    return absl::OkStatus();
  }
  return ConfigurationTool(*config_.configuration_tool)
      .CheckApplySettingsCredentials(options.tool_credentials);
}

absl::StatusOr<PhaseResult> HttpPhaseDriver::Run(const PhaseOptions& options,
                                                 const PhaseEventSink& sink) {
  // Before Service Center is asked anything: nothing starts that could not finish.
  if (absl::Status s = CheckCredentials(options); !s.ok()) return s;
  absl::StatusOr<std::string> encrypted = ReadEncryptedPassword(config_.password_encrypted_file);
  if (!encrypted.ok()) return encrypted.status();
  Session session(config_, client_, {config_.user, *std::move(encrypted)}, options, sink);
  absl::StatusOr<PhaseResult> result = session.Run();
  if (result.ok()) return result;
  spdlog::warn("Service Center phase failed: {}", session.Redact(result.status().message()));
  return absl::Status(result.status().code(), session.Redact(result.status().message()));
}

}  // namespace osfleet::agent

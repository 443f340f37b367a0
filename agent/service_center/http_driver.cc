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
#include "agent/service_center/http_session.h"
#include "agent/service_center/sc_credentials.h"
#include "agent/service_center/service_call.h"
#include "common/api/logging.h"
#include "common/io/atomic_file.h"
#include "common/platform/files.h"
#include "common/text/redact.h"

namespace osfleet::agent {
namespace {

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

}  // namespace

HttpSession::HttpSession(const HttpDriverConfig& config, const HttpClient& client,
                         sc_wire::Credentials credentials, const PhaseOptions& options,
                         const PhaseEventSink& sink)
    : config_(config),
      client_(client),
      credentials_(std::move(credentials)),
      options_(options),
      sink_(sink),
      deadline_(absl::Now() + options.deadline),
      redactor_(SessionRedactor(credentials_, options.tool_credentials)) {}

std::string HttpSession::Redact(absl::string_view text) const { return redactor_.Redact(text); }

void HttpSession::Emit(PhaseEvent event) const {
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

absl::StatusOr<std::string> HttpSession::Call(const sc_wire::PostRequest& request,
                                              absl::Time deadline) {
  return CallService(client_, request, deadline, redactor_, credentials_.user);
}

// Every module Service Center lists, with its status messages.
absl::StatusOr<std::vector<ScModule>> HttpSession::ListModules() {
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
absl::StatusOr<std::vector<ScModule>> HttpSession::Select(std::vector<ScModule> all) const {
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
absl::Status HttpSession::ApplySettingsStep() {
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
  ConfigurationTool runner(tool);
  runner.set_activity(options_.activity);
  const ToolRun run = runner.ApplySettings(options_.tool_credentials);
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
absl::StatusOr<std::vector<ScModule>> HttpSession::AwaitServiceCenter() {
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
void HttpSession::ListChosen(const std::vector<ScModule>& considered,
                             std::vector<ScModule>& chosen) {
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

// The wire first (the WSDL, once per phase), then Modules_Get, before anything runs:
// Service Center answers, takes the credentials and knows the named modules. Then Apply
// Settings (when configured), then the modules Service Center lists afterwards,
// republished by `republish`.
absl::StatusOr<PhaseResult> HttpSession::Run() {
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
  HttpSession session(config_, client_, {config_.user, *std::move(encrypted)}, options, sink);
  absl::StatusOr<PhaseResult> result = session.Run();
  if (result.ok()) return result;
  spdlog::warn("Service Center phase failed: {}", session.Redact(result.status().message()));
  return absl::Status(result.status().code(), session.Redact(result.status().message()));
}

}  // namespace osfleet::agent

#include "agent/service_center/command_driver.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/api/logging.h"
#include "common/platform/child_process.h"
#include "common/platform/files.h"
#include "common/text/redact.h"
#include "common/text/utf8.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxLineBytes = 4096;  // a longer line is cut into several messages

// Words in an `env` name that say its value is a secret (SC_PASSWORD, API_TOKEN, ...).
constexpr absl::string_view kSecretWords[] = {"PASS", "SECRET",     "TOKEN",
                                              "HASH", "CREDENTIAL", "KEY"};

// A script that prints (or echoes back) a secret it was given in `env` shows "***".
Redactor EnvRedactor(const std::map<std::string, std::string>& env) {
  Redactor redactor;
  for (const auto& [name, value] : env) {
    const std::string upper = absl::AsciiStrToUpper(name);
    for (absl::string_view word : kSecretWords) {
      // A value this short would mask ordinary words: not taken as a secret.
      if (absl::StrContains(upper, word) && value.size() >= 4) redactor.AddSecret(value);
    }
  }
  return redactor;
}

// One run of the command: splits its output into lines and reports each one.
class CommandRun {
 public:
  CommandRun(const PhaseOptions& options, const PhaseEventSink& sink, const Redactor& redactor)
      : sink_(sink), redactor_(redactor) {
    result_.dry_run = options.dry_run;
  }

  void Append(std::string_view bytes) {
    for (char c : bytes) {
      if (c == '\r') continue;
      if (c != '\n') partial_.push_back(c);
      if (c == '\n' || partial_.size() >= kMaxLineBytes) Line();
    }
  }
  void Flush() {
    if (!partial_.empty()) Line();
  }
  const PhaseResult& result() const { return result_; }

 private:
  void Line() {
    PhaseEvent event;
    event.kind = PhaseEvent::Kind::kMessage;
    event.message = ClassifyCommandLine(partial_, ++lines_);
    event.message.message = redactor_.Redact(event.message.message);
    partial_.clear();
    const PublishMessageType type = event.message.type;
    ++(type == PublishMessageType::kError     ? result_.errors
       : type == PublishMessageType::kWarning ? result_.warnings
                                              : result_.infos);
    if (sink_) sink_(event);
  }

  const PhaseEventSink& sink_;
  const Redactor& redactor_;
  PhaseResult result_;
  std::string partial_;
  int64_t lines_ = 0;
};

std::string WithOutput(absl::string_view message, const std::string& output,
                       const Redactor& redactor) {
  if (output.empty()) return absl::StrCat(message, " (no output)");
  return absl::StrCat(message, "; last lines:\n", redactor.Redact(ValidUtf8(output)));
}

}  // namespace

std::vector<CheckRow> CommandPhaseDriver::Check(absl::Time /*deadline*/,
                                                const CancelToken& /*cancel*/) {
  const std::string& program = config_.command[0];  // MakePhaseDriver refuses an empty one
  const platform::Result<void> runnable =
      platform::CheckAccess(program, platform::Access::kExecute);
  if (!runnable.ok()) {
    return {{"service_center.command", CheckLevel::kFail,
             absl::StrCat("the phase's program ", program,
                          " cannot be run: ", ValidUtf8(runnable.error().Reason()))}};
  }
  return {{"service_center.command", CheckLevel::kOk,
           absl::StrCat(program, " is present and may be run (not run by this check)")}};
}

PublishMessage ClassifyCommandLine(absl::string_view line, int64_t line_number) {
  PublishMessage message;
  message.id = line_number;
  message.type = PublishMessageType::kInfo;
  message.type_text = "Info";
  if (absl::ConsumePrefix(&line, "WARNING:")) {
    message.type = PublishMessageType::kWarning;
    message.type_text = "Warning";
  } else if (absl::ConsumePrefix(&line, "ERROR:")) {
    message.type = PublishMessageType::kError;
    message.type_text = "Error";
  }
  // The command may write in its code page; a long line is cut, maybe inside a character.
  message.message = ValidUtf8(absl::StripAsciiWhitespace(line));
  return message;
}

std::map<std::string, std::string> CommandPhaseDriver::Environment(
    const PhaseOptions& options) const {
  std::map<std::string, std::string> env = config_.env;
  env["OSFLEET_SC_DRY_RUN"] = options.dry_run ? "1" : "0";
  env["OSFLEET_SC_STOP_ON_WARNING"] = options.stop_on_warning ? "1" : "0";
  env["OSFLEET_SC_MODULES"] = absl::StrJoin(options.modules, ",");
  return env;
}

absl::StatusOr<PhaseResult> CommandPhaseDriver::Run(const PhaseOptions& options,
                                                    const PhaseEventSink& sink) {
  const Redactor redactor = EnvRedactor(config_.env);
  CommandRun run(options, sink, redactor);
  platform::CommandWatch watch;
  watch.started = [this](platform::ProcessId pid) {
    spdlog::info("Service Center: running {} (pid {})", config_.command[0], pid);
  };
  watch.output = [&run](std::string_view bytes) { run.Append(bytes); };
  watch.stop = [&options] { return options.cancel.Cancelled(); };
  const platform::Result<platform::CommandOutcome> outcome =
      platform::RunCommand({config_.command, Environment(options), ""},
                           absl::ToChronoNanoseconds(options.deadline), watch);
  if (!outcome.ok()) return absl::FailedPreconditionError(outcome.error().Message());
  run.Flush();
  if (outcome->stopped) {
    const absl::Status gone = options.cancel.Check();
    return absl::Status(
        gone.ok() ? absl::StatusCode::kCancelled : gone.code(),
        WithOutput(absl::StrCat(config_.command[0], " stopped (",
                                gone.ok() ? "cancelled" : gone.message(), "); killed it"),
                   outcome->output, redactor));
  }
  if (outcome->timed_out) {
    return absl::DeadlineExceededError(
        WithOutput(absl::StrCat(config_.command[0], " did not finish within ",
                                absl::FormatDuration(options.deadline), "; killed it"),
                   outcome->output, redactor));
  }
  if (outcome->exit.Succeeded()) return run.result();
  return absl::FailedPreconditionError(WithOutput(
      absl::StrCat(config_.command[0], " ", outcome->exit.Describe()), outcome->output, redactor));
}

}  // namespace osfleet::agent

#include "agent/configuration_tool/configuration_tool.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/io/os_status.h"
#include "common/platform/child_process.h"
#include "common/platform/files.h"
#include "common/text/utf8.h"
#include "common/text/wipe.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxLogBytes = 64u << 20;  // a longer log is not tailed

// The log's size now; nullopt when it is missing or cannot be read.
std::optional<size_t> LogSize(const std::string& path) {
  if (path.empty()) return std::nullopt;
  platform::Result<std::string> bytes = platform::ReadFileCapped(path, kMaxLogBytes);
  if (!bytes.ok()) return std::nullopt;
  return bytes->size();
}

// The log's bytes from `from` on as UTF-8 text: a log that starts with a UTF-16 byte order
// mark (a .NET StreamWriter's Encoding.Unicode) is decoded, so that its lines are cut, masked
// and shown as text rather than as bytes with a zero between every two characters.
std::string LogText(absl::string_view bytes, size_t from) {
  const Utf16Mark mark = Utf16ByteOrderMark(bytes);
  if (mark == Utf16Mark::kNone) return std::string(bytes.substr(from));
  from = std::max<size_t>(from, 2);
  from += from % 2;  // the units start at even offsets after the mark
  if (from >= bytes.size()) return "";
  return Utf16ToUtf8(bytes.substr(from), mark == Utf16Mark::kBigEndian);
}

// The last lines the run added to the log (all of it when it was rewritten).
std::string NewLogLines(const std::string& path, std::optional<size_t> size_before) {
  if (path.empty()) return "";
  platform::Result<std::string> bytes = platform::ReadFileCapped(path, kMaxLogBytes);
  if (!bytes.ok()) return absl::StrCat("(log ", path, ": ", bytes.error().Message(), ")");
  size_t from = size_before.value_or(0);
  if (from > bytes->size()) from = 0;  // rewritten, not appended to
  platform::OutputTail tail;
  tail.Append(LogText(*bytes, from));
  return tail.Text();
}

// The last line the run has written to its log so far (its bytes from `size_before` on),
// without its line break; "" when there is none or the log cannot be read. Only the
// log's end is read: a heartbeat must not read a large log whole.
std::string LatestLogLine(const std::string& path, std::optional<size_t> size_before) {
  constexpr size_t kTailBytes = 8 << 10;
  constexpr size_t kMaxLine = 400;
  if (path.empty()) return "";
  platform::Result<platform::FileTail> tail =
      platform::ReadFileTail(path, size_before.value_or(0), kTailBytes);
  if (!tail.ok()) return "";
  std::string text;
  if (tail->offset == 0) {
    text = LogText(tail->bytes, 0);
  } else if (tail->bytes.find('\0') != std::string::npos) {
    // UTF-16 with its mark out of view (.NET's Encoding.Unicode is little-endian).
    text = Utf16ToUtf8(absl::string_view(tail->bytes).substr(tail->offset % 2), false);
  } else {
    text = tail->bytes;
  }
  std::vector<absl::string_view> lines = absl::StrSplit(text, absl::ByAnyChar("\r\n"));
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    absl::string_view line = absl::StripAsciiWhitespace(*it);
    if (!line.empty()) return ValidUtf8(line.substr(0, kMaxLine));
  }
  return "";
}

std::string ProgramName(const std::string& path) {
  const size_t cut = path.find_last_of("\\/");
  return cut == std::string::npos ? path : path.substr(cut + 1);
}

// FAILED_PRECONDITION naming each credential the placeholders of `args` (the config's
// `key`) need that `credentials` lacks; names only, never a value.
absl::Status CheckNamed(const std::vector<std::string>& args, absl::string_view key,
                        absl::string_view supplied_with, const ToolCredentials& credentials) {
  absl::StatusOr<std::set<std::string>> names = PlaceholderNames(args);
  if (!names.ok()) return names.status();
  std::vector<std::string> missing;
  for (const std::string& name : *names) {
    if (credentials.find(name) == credentials.end()) missing.push_back(name);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("configuration_tool.", key, " needs the credential",
                   missing.size() > 1 ? "s " : " ", absl::StrJoin(missing, ", "),
                   ", not supplied with ", supplied_with, " (osctl --db-admin-credentials FILE)"));
}

}  // namespace

ToolCredentials& ToolCredentials::operator=(const ToolCredentials& other) {
  if (this != &other) {
    clear();
    Base::operator=(other);
  }
  return *this;
}

ToolCredentials& ToolCredentials::operator=(ToolCredentials&& other) noexcept {
  if (this != &other) {
    clear();
    Base::operator=(std::move(other));
  }
  return *this;
}

ToolCredentials::~ToolCredentials() { clear(); }

void ToolCredentials::clear() { Wipe(static_cast<Base&>(*this)); }

std::string FillPlaceholders(const std::string& arg, const ToolCredentials& credentials) {
  std::vector<std::pair<std::string, std::string>> subs;
  for (const auto& [name, value] : credentials) {
    subs.emplace_back(absl::StrCat("${", name, "}"), value);
  }
  std::string filled = absl::StrReplaceAll(arg, subs);
  for (auto& [placeholder, value] : subs) Wipe(value);
  return filled;
}

std::string ToolRun::Summary() const {
  if (!ran) return absl::StrCat(command_line, " not run: ", status.message());
  std::string how = timed_out        ? "ran past its timeout and was stopped"
                    : exit_code >= 0 ? absl::StrCat("exited with status ", exit_code)
                                     : std::string(status.message());
  return absl::StrFormat("%s %s after %.1fs", command_line, how, absl::ToDoubleSeconds(duration));
}

void AddToolSecrets(const ToolCredentials& credentials, Redactor& redactor) {
  for (const auto& [name, value] : credentials) {
    if (!absl::EndsWith(absl::AsciiStrToLower(name), "user")) redactor.AddSecret(value);
  }
}

Redactor CredentialRedactor(const ToolCredentials& credentials) {
  Redactor redactor;
  AddToolSecrets(credentials, redactor);
  return redactor;
}

ConfigurationTool::ConfigurationTool(ConfigurationToolConfig config) : config_(std::move(config)) {}

absl::Status ConfigurationTool::CheckCredentials(const ToolCredentials& credentials) const {
  return CheckNamed(config_.apply, "apply", "this change", credentials);
}

absl::Status ConfigurationTool::CheckApplySettingsCredentials(
    const ToolCredentials& credentials) const {
  return CheckNamed(config_.apply_settings, "apply_settings", "this Service Center phase",
                    credentials);
}

ToolRun ConfigurationTool::Apply(const ToolRequest& request) const {
  std::vector<std::string> args = config_.apply;
  if (request.install_service_center) args.push_back("/InstallServiceCenter");
  if (absl::Status s = CheckCredentials(request.credentials); !s.ok()) {
    ToolRun run;
    run.command_line = ProgramName(config_.command[0]);
    run.status = s;
    return run;
  }
  return RunArgs(std::move(args), request.credentials, kStepConfigurationTool);
}

ToolRun ConfigurationTool::ApplySettings(const ToolCredentials& credentials) const {
  if (absl::Status s = CheckApplySettingsCredentials(credentials); !s.ok()) {
    ToolRun run;
    run.command_line = ProgramName(config_.command[0]);
    run.status = s;
    return run;
  }
  return RunArgs(config_.apply_settings, credentials, kStepApplySettings);
}

ToolRun ConfigurationTool::Run(const std::vector<std::string>& switches,
                               const ToolCredentials& credentials) const {
  return RunArgs(switches, credentials, kStepConfigurationTool);
}

ToolRun ConfigurationTool::RunArgs(std::vector<std::string> args,
                                   const ToolCredentials& credentials,
                                   absl::string_view step) const {
  const Redactor redactor = CredentialRedactor(credentials);
  auto masked = [&redactor](absl::string_view text) { return ValidUtf8(redactor.Redact(text)); };
  ToolRun run;
  platform::CommandSpec spec;
  spec.argv = config_.command;
  for (const std::string& a : args) spec.argv.push_back(FillPlaceholders(a, credentials));
  std::vector<std::string> shown = {ProgramName(config_.command[0])};
  shown.insert(shown.end(), spec.argv.begin() + static_cast<long>(config_.command.size()),
               spec.argv.end());
  std::string joined = absl::StrJoin(shown, " ");
  run.command_line = masked(joined);
  Wipe(joined);
  Wipe(shown);
  // The filled command line is a copy of the credentials too: gone once the tool ran.
  struct WipeArgv {
    std::vector<std::string>& argv;
    ~WipeArgv() { Wipe(argv); }
  } wipe_argv{spec.argv};
  const std::optional<size_t> log_before = LogSize(config_.log_file);
  const absl::Time t0 = absl::Now();
  // On the board while it runs, its log's latest line masked as the run's lines are.
  ActivityBoard::Scope on_board =
      BeginActivity(activity_, std::string(step), run.command_line,
                    [&] { return masked(LatestLogLine(config_.log_file, log_before)); });
  platform::Result<platform::CommandOutcome> out =
      platform::RunCommand(spec, absl::ToChronoNanoseconds(config_.timeout));
  on_board.End();
  run.duration = absl::Now() - t0;
  if (!out.ok()) {
    run.status = absl::FailedPreconditionError(
        absl::StrCat("the Configuration Tool did not run: ", masked(out.error().Message())));
    return run;
  }
  run.ran = true;
  run.output = masked(out->output);
  Wipe(out->output);  // the tool may echo what it was given
  std::string log_lines = NewLogLines(config_.log_file, log_before);
  run.log_tail = masked(log_lines);
  Wipe(log_lines);
  run.timed_out = out->timed_out;
  if (!out->timed_out && out->exit.Exited()) run.exit_code = out->exit.Code();
  if (out->timed_out) {
    run.status = absl::DeadlineExceededError(
        absl::StrCat(run.command_line, " ran longer than configuration_tool.timeout (",
                     absl::FormatDuration(config_.timeout), ") and was stopped"));
  } else if (!out->exit.Succeeded()) {
    std::string detail = run.log_tail.empty() ? run.output : run.log_tail;
    run.status = absl::FailedPreconditionError(
        absl::StrCat(run.command_line, " ", out->exit.Describe(),
                     detail.empty() ? "" : absl::StrCat(": ", detail)));
  }
  return run;
}

}  // namespace osfleet::agent

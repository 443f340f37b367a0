#include "ctl/output/report.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/role.h"
#include "common/api/status_util.h"
#include "common/text/escape.h"
#include "common/text/json_util.h"
#include "common/text/redact.h"
#include "common/text/utf8.h"
#include "ctl/output/console.h"
#include "ctl/output/table.h"

namespace osfleet::ctl {

std::string StatusText(const grpc::Status& status) {
  return absl::StrCat(GrpcCodeName(status.error_code()), ": ",
                      EscapeControls(RedactBasicCredentials(status.error_message())));
}

std::string FailureWord(const grpc::Status& status) {
  if (DidNotAnswer(status)) return "unreachable";
  return absl::StrCat("error: ", GrpcCodeName(status.error_code()), " (see below)");
}

nlohmann::json ProtoToJson(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    return nlohmann::json::object();
  }
  // A proto string is UTF-8 once parsed, but the JSON printer must never hand us bad text.
  absl::StatusOr<nlohmann::json> json = ParseJson(ValidUtf8(text), "the answer");
  return json.ok() ? *std::move(json) : nlohmann::json::object();
}

nlohmann::json ServerJson(const Server& server) {
  return {{"name", server.name}, {"address", server.Target()}, {"role", RoleName(server.role)}};
}

nlohmann::json StatusJson(const grpc::Status& status) {
  return {{"code", GrpcCodeName(status.error_code())},
          {"message", RedactBasicCredentials(ValidUtf8(status.error_message()))}};
}

std::string Footer(size_t total, const std::vector<HostFailure>& failures, bool color) {
  std::string out =
      absl::StrCat(total, total == 1 ? " server: " : " servers: ", total - failures.size(), " ok, ",
                   failures.size(), " failed\n");
  std::vector<std::string> unanswered;
  for (const HostFailure& f : failures) {
    absl::StrAppend(&out, Paint("  " + f.server->name, Color::kRed, color), " (",
                    f.server->Target(), "): ", StatusText(f.status), "\n");
    if (DidNotAnswer(f.status)) unanswered.push_back(f.server->name);
  }
  if (!unanswered.empty()) {
    absl::StrAppend(&out, "did not answer (", unanswered.size(),
                    "): ", absl::StrJoin(unanswered, ", "), "\n");
  }
  return out;
}

nlohmann::json FailuresJson(const std::vector<HostFailure>& failures) {
  nlohmann::json failed = nlohmann::json::array();
  nlohmann::json unanswered = nlohmann::json::array();
  for (const HostFailure& f : failures) {
    failed.push_back(f.server->name);
    if (DidNotAnswer(f.status)) unanswered.push_back(f.server->name);
  }
  return {{"failed", failed}, {"notAnswered", unanswered}};
}

namespace {

// The last edge of every line osctl prints: valid UTF-8, no credential, no control
// character but our own line ends and colours (values were escaped where they went in).
std::string SafeForTheTerminal(const std::string& text) {
  EscapeOptions edge;
  edge.keep_newlines = true;
  edge.keep_colors = true;
  return EscapeControls(RedactBasicCredentials(text), edge);
}

}  // namespace

void PrintOut(const std::string& text) {
  StdConsole().Out(SafeForTheTerminal(text));  // the one writer: a status line is erased first
}

void PrintErr(const std::string& text) { StdConsole().Err(SafeForTheTerminal(text)); }

void PrintJson(const nlohmann::json& document, OutputFormat format) {
  PrintOut(DumpJson(document, format == OutputFormat::kJsonl ? -1 : 2) + "\n");
}

}  // namespace osfleet::ctl

#include "ctl/output/output_format.h"

#include "absl/strings/str_cat.h"

namespace osfleet::ctl {

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& output) {
  if (output == "table") return OutputFormat::kTable;
  if (output == "json") return OutputFormat::kJson;
  if (output == "jsonl") return OutputFormat::kJsonl;
  return absl::InvalidArgumentError(
      absl::StrCat("--output: '", output, "' is not one of table, json, jsonl"));
}

}  // namespace osfleet::ctl

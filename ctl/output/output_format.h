// How osctl prints: tables for people, one JSON document, or JSON lines as events happen.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace osfleet::ctl {

// table: for people; json: one document; jsonl: one line per event as it happens.
enum class OutputFormat { kTable, kJson, kJsonl };

// The names --output takes, in OutputFormat's order: "table", "json", "jsonl" (what
// --help lists and shells complete).
const std::vector<std::string>& OutputFormatNames();

// --output: one of OutputFormatNames(); INVALID_ARGUMENT for anything else.
absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& output);

}  // namespace osfleet::ctl

#include "ctl/output/output_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace osfleet::ctl {
namespace {

struct NamedFormat {
  const char* name;
  OutputFormat format;
};
constexpr NamedFormat kFormats[] = {{"table", OutputFormat::kTable},
                                    {"json", OutputFormat::kJson},
                                    {"jsonl", OutputFormat::kJsonl}};

}  // namespace

const std::vector<std::string>& OutputFormatNames() {
  static const auto* const names = [] {
    auto* out = new std::vector<std::string>;
    for (const NamedFormat& f : kFormats) out->push_back(f.name);
    return out;
  }();
  return *names;
}

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& output) {
  for (const NamedFormat& f : kFormats) {
    if (output == f.name) return f.format;
  }
  return absl::InvalidArgumentError(absl::StrCat("--output: '", output, "' is not one of ",
                                                 absl::StrJoin(OutputFormatNames(), ", ")));
}

}  // namespace osfleet::ctl

// Helpers shared by the hsconf reader (hsconf.cc) and editor (hsconf_edit.cc); not part
// of the public interface.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/model/hsconf.h"

namespace osfleet {

// "\"text\"" with non-printable bytes C-escaped, for error messages.
std::string Quote(absl::string_view text);

// The host part of a <Server> text we may not fully parse ("tcp:h,1433" -> "h").
absl::string_view LooseSqlServerHost(absl::string_view text);

// Text made safe to put between tags (&, <, >, ", ' escaped).
std::string EscapeXml(absl::string_view text);

// Replaces the file's bytes [begin, end) by text.
struct Splice {
  size_t begin = 0;
  size_t end = 0;
  std::string text;
};

// What a move of `section` from old_host to new_host does to its advanced-settings
// addresses (hsconf_advanced.cc): appends changes, splices and warnings to the edit, or
// refuses (FAILED_PRECONDITION naming the element and keyword) as `choice` says.
absl::Status PlanAdvancedSettings(const DatabaseSection& section, absl::string_view old_host,
                                  absl::string_view new_host, AdvancedSettingsChoice choice,
                                  EditResult* result, std::vector<Splice>* splices);

}  // namespace osfleet

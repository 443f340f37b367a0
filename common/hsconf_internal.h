// Helpers shared by the hsconf reader (hsconf.cc) and editor (hsconf_edit.cc); not part
// of the public interface.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace osfleet {

// "\"text\"" with non-printable bytes C-escaped, for error messages.
std::string Quote(absl::string_view text);

// The host part of a <Server> text we may not fully parse ("tcp:h,1433" -> "h").
absl::string_view LooseSqlServerHost(absl::string_view text);

}  // namespace osfleet

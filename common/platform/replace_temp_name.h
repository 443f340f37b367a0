// Platform code only: the names of the temp files ReplaceFileAtomically and EditableFile
// write before the rename (".BASE.tmp-XXXXXX"), the same on every OS.
// IsReplaceTempName (atomic_replace.h) recognises them.
#pragma once

#include <string>
#include <string_view>

namespace osfleet::platform {

// A fresh ".BASE.tmp-XXXXXX" (six random letters or digits).
std::string NewReplaceTempName(std::string_view base);

}  // namespace osfleet::platform

// Windows implementation helpers (not part of the platform API): the security
// descriptors behind "private" files and folders, who else may read a secret file or
// replace server.hsconf, and keeping a file's descriptor across a replace.
#pragma once

#include <string>

#include "common/platform/result.h"
#include "common/platform/windows/win32.h"

namespace osfleet::platform::win {

// Gives path a protected DACL (nothing inherited) that lets only this process's account,
// SYSTEM and Administrators in (full control; inherited by what a folder will hold).
// Error: the OS's, `what` as given.
Result<void> MakePrivate(const std::wstring& path, const std::string& what);

// CreateFileW / CreateDirectoryW attributes that create the object private already (no
// moment where it has its folder's inherited DACL). Lives as long as the process.
SECURITY_ATTRIBUTES* PrivateAttributes();

// Whether anyone but this process's account, SYSTEM and Administrators may read the file
// at path (an ACCESS_ALLOWED entry with read rights for another account, a NULL DACL).
// Error: "inspecting PATH".
Result<bool> OthersCanRead(const std::string& path);

// Empty when only trusted accounts (this process's, SYSTEM, Administrators,
// TrustedInstaller) can change the object at path (a file: write its data; a folder:
// remove or rename what it holds; either: delete or rename it, change its DACL or owner);
// otherwise who and what: "BUILTIN\Users may remove or rename what it holds".
// is_folder chooses the rights.
Result<std::string> UntrustedWriters(const std::string& path, bool is_folder);

// The decisions of OthersCanRead and UntrustedWriters on a descriptor's parts (tests
// give them descriptors made from SDDL).
bool DaclLetsOthersRead(PACL dacl);
std::string UntrustedWritersIn(PSID owner, PACL dacl, bool is_folder);

// Gives the file `to` (open with WRITE_DAC | WRITE_OWNER) the owner, group and explicit
// DACL entries of the file `from` (open with READ_CONTROL); inherited entries come again
// from `to`'s folder. The owner is kept only where this process may set it (an
// administrator may; otherwise the new file is ours, as on POSIX).
Result<void> CopySecurity(HANDLE from, HANDLE to, const std::string& what);

}  // namespace osfleet::platform::win

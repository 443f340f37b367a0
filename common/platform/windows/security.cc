#include "common/platform/windows/security.h"

#include <aclapi.h>
#include <sddl.h>

#include <memory>
#include <vector>

namespace osfleet::platform::win {
namespace {

struct LocalFreeDeleter {
  void operator()(void* p) const { LocalFree(p); }
};
template <typename T>
using LocalPtr = std::unique_ptr<T, LocalFreeDeleter>;

// This process's account: the user of its token, as bytes (a SID is variable-sized).
const std::vector<unsigned char>& OwnSid() {
  static const std::vector<unsigned char> sid = [] {
    std::vector<unsigned char> out;
    HANDLE token = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return out;
    DWORD size = 0;
    GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    std::vector<unsigned char> buffer(size);
    if (size != 0 && GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) {
      const PSID user = reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid;
      out.assign(static_cast<unsigned char*>(user),
                 static_cast<unsigned char*>(user) + GetLengthSid(user));
    }
    CloseHandle(token);
    return out;
  }();
  return sid;
}

std::wstring SidText(PSID sid) {
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return L"";
  LocalPtr<wchar_t> owned(text);
  return text;
}

bool IsWellKnown(PSID sid, WELL_KNOWN_SID_TYPE type) { return IsWellKnownSid(sid, type) != 0; }

// NT SERVICE\TrustedInstaller owns Windows' own folders (C:\Program Files).
constexpr wchar_t kTrustedInstaller[] =
    L"S-1-5-80-956008885-3425870976-2464297761-2365316460-1451484484";

bool IsTrusted(PSID sid) {
  const std::vector<unsigned char>& own = OwnSid();
  if (!own.empty() && EqualSid(sid, const_cast<unsigned char*>(own.data()))) return true;
  return IsWellKnown(sid, WinLocalSystemSid) || IsWellKnown(sid, WinBuiltinAdministratorsSid) ||
         SidText(sid) == kTrustedInstaller;
}

// "BUILTIN\Users", or the SID's text when it has no name here.
std::string SidName(PSID sid) {
  wchar_t name[256], domain[256];
  DWORD name_size = 256, domain_size = 256;
  SID_NAME_USE use;
  if (LookupAccountSidW(nullptr, sid, name, &name_size, domain, &domain_size, &use)) {
    const std::wstring full =
        domain_size > 0 ? std::wstring(domain) + L"\\" + name : std::wstring(name);
    return Utf8(full);
  }
  return Utf8(SidText(sid));
}

struct Descriptor {
  LocalPtr<void> holder;  // the whole descriptor; the pointers below point into it
  PSID owner = nullptr;
  PACL dacl = nullptr;
};

Result<Descriptor> ReadDescriptor(const std::string& path) {
  Descriptor d;
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD error = GetNamedSecurityInfoW(Wide(path).c_str(), SE_FILE_OBJECT,
                                            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                            &d.owner, nullptr, &d.dacl, nullptr, &sd);
  if (error != ERROR_SUCCESS) return WinError(error, "inspecting " + path);
  d.holder.reset(sd);
  return d;
}

// The ACCESS_ALLOWED entries of dacl that apply to the object itself (not inherit-only):
// f(sid, mask) for each.
template <typename F>
void ForEachAllowed(PACL dacl, F f) {
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    void* ace = nullptr;
    if (!GetAce(dacl, i, &ace)) continue;
    const auto* header = static_cast<ACE_HEADER*>(ace);
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE) != 0) {
      continue;
    }
    auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
    f(reinterpret_cast<PSID>(&allowed->SidStart), allowed->Mask);
  }
}

constexpr ACCESS_MASK kReadRights = FILE_READ_DATA | GENERIC_READ | GENERIC_ALL;
constexpr ACCESS_MASK kOwnRights = WRITE_DAC | WRITE_OWNER | DELETE | GENERIC_ALL;
constexpr ACCESS_MASK kFileWriteRights = FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE;
// In a folder, adding entries does not matter (our temp files are created CREATE_NEW);
// removing or renaming one does.
constexpr ACCESS_MASK kFolderWriteRights = FILE_DELETE_CHILD;

std::string WhatTheyMay(ACCESS_MASK mask, bool is_folder) {
  const ACCESS_MASK write = is_folder ? kFolderWriteRights : kFileWriteRights;
  if ((mask & write) != 0) {
    return is_folder ? "may remove or rename what it holds" : "may write to it";
  }
  return "may delete, rename or re-permission it";
}

}  // namespace

SECURITY_ATTRIBUTES* PrivateAttributes() {
  static SECURITY_ATTRIBUTES* attributes = []() -> SECURITY_ATTRIBUTES* {
    // P: protected (nothing inherited); OICI: what a folder holds inherits it.
    const std::wstring sddl = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" +
                              SidText(const_cast<unsigned char*>(OwnSid().data())) + L")";
    PSECURITY_DESCRIPTOR sd = nullptr;
    if (OwnSid().empty() || !ConvertStringSecurityDescriptorToSecurityDescriptorW(
                                sddl.c_str(), SDDL_REVISION_1, &sd, nullptr)) {
      return nullptr;
    }
    auto* out = new SECURITY_ATTRIBUTES{};
    out->nLength = sizeof(*out);
    out->lpSecurityDescriptor = sd;  // kept for the life of the process
    out->bInheritHandle = FALSE;
    return out;
  }();
  return attributes;
}

Result<void> MakePrivate(const std::wstring& path, const std::string& what) {
  SECURITY_ATTRIBUTES* attributes = PrivateAttributes();
  if (attributes == nullptr) return LastError(what);
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(attributes->lpSecurityDescriptor, &present, &dacl, &defaulted);
  const DWORD error =
      SetNamedSecurityInfoW(const_cast<wchar_t*>(path.c_str()), SE_FILE_OBJECT,
                            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                            nullptr, nullptr, dacl, nullptr);
  if (error != ERROR_SUCCESS) return WinError(error, what);
  return {};
}

bool DaclLetsOthersRead(PACL dacl) {
  if (dacl == nullptr) return true;  // a NULL DACL lets everyone in
  bool others = false;
  ForEachAllowed(dacl, [&](PSID sid, ACCESS_MASK mask) {
    if ((mask & kReadRights) != 0 && !IsTrusted(sid)) others = true;
  });
  return others;
}

std::string UntrustedWritersIn(PSID owner, PACL dacl, bool is_folder) {
  if (owner != nullptr && !IsTrusted(owner)) {
    return SidName(owner) + " owns it (and so may change its permissions)";
  }
  if (dacl == nullptr) return "its DACL is empty (NULL): everyone may change it";
  const ACCESS_MASK rights = kOwnRights | (is_folder ? kFolderWriteRights : kFileWriteRights);
  std::string who;
  ForEachAllowed(dacl, [&](PSID sid, ACCESS_MASK mask) {
    if (!who.empty() || (mask & rights) == 0 || IsTrusted(sid)) return;
    // OWNER RIGHTS stand for the owner, checked above.
    if (IsWellKnown(sid, WinCreatorOwnerRightsSid)) return;
    who = SidName(sid) + " " + WhatTheyMay(mask & rights, is_folder);
  });
  return who;
}

Result<bool> OthersCanRead(const std::string& path) {
  Result<Descriptor> d = ReadDescriptor(path);
  if (!d.ok()) return d.error();
  return DaclLetsOthersRead(d->dacl);
}

Result<std::string> UntrustedWriters(const std::string& path, bool is_folder) {
  Result<Descriptor> d = ReadDescriptor(path);
  if (!d.ok()) return d.error();
  return UntrustedWritersIn(d->owner, d->dacl, is_folder);
}

Result<void> CopySecurity(HANDLE from, HANDLE to, const std::string& what) {
  PSID owner = nullptr, group = nullptr;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  DWORD error = GetSecurityInfo(
      from, SE_FILE_OBJECT,
      OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
      &group, &dacl, nullptr, &sd);
  if (error != ERROR_SUCCESS) return WinError(error, "reading the permissions of " + what);
  LocalPtr<void> holder(sd);
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  GetSecurityDescriptorControl(sd, &control, &revision);
  const SECURITY_INFORMATION protection = (control & SE_DACL_PROTECTED) != 0
                                              ? PROTECTED_DACL_SECURITY_INFORMATION
                                              : UNPROTECTED_DACL_SECURITY_INFORMATION;
  error = SetSecurityInfo(to, SE_FILE_OBJECT,
                          OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                              DACL_SECURITY_INFORMATION | protection,
                          owner, group, dacl, nullptr);
  if (error == ERROR_INVALID_OWNER || error == ERROR_ACCESS_DENIED ||
      error == ERROR_PRIVILEGE_NOT_HELD) {
    // Not allowed to give the file away: keep ours, with the old file's DACL.
    error = SetSecurityInfo(to, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | protection, nullptr,
                            nullptr, dacl, nullptr);
  }
  if (error != ERROR_SUCCESS) return WinError(error, "setting the permissions of " + what);
  return {};
}

}  // namespace osfleet::platform::win

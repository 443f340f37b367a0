// The Windows Firewall through INetFwPolicy2 (netfw.h; Microsoft's "Using Windows Firewall
// with Advanced Security" samples: CoCreateInstance(CLSID_NetFwPolicy2), get_Rules, a
// CLSID_NetFwRule filled in and INetFwRules::Add). Wine 8's hnetcfg answers E_NOTIMPL to
// INetFwRules::Add, Remove and Item: the errors name the call, which is what Wine can show.
#include "common/platform/firewall.h"

// clang-format off
#include "common/platform/windows/win32.h"
#include <initguid.h>
#include <netfw.h>
#include <oleauto.h>
// clang-format on

#include <cstdio>
#include <string>

namespace osfleet::platform {
namespace {

// An owned COM interface pointer.
template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  ComPtr(const ComPtr&) = delete;
  ComPtr& operator=(const ComPtr&) = delete;
  ~ComPtr() {
    if (p_ != nullptr) p_->Release();
  }
  T* operator->() const { return p_; }
  T* get() const { return p_; }
  T** out() { return &p_; }
  void** void_out() { return reinterpret_cast<void**>(&p_); }

 private:
  T* p_ = nullptr;
};

// An owned BSTR.
class Bstr {
 public:
  explicit Bstr(const std::string& utf8) : b_(SysAllocString(win::Wide(utf8).c_str())) {}
  Bstr(const Bstr&) = delete;
  Bstr& operator=(const Bstr&) = delete;
  ~Bstr() { SysFreeString(b_); }
  BSTR get() const { return b_; }

 private:
  BSTR b_;
};

// COM initialised on this thread for as long as it lives (a thread COM already knows in
// another apartment is used as it is).
class ComScope {
 public:
  ComScope() : hr_(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED)) {}
  ComScope(const ComScope&) = delete;
  ComScope& operator=(const ComScope&) = delete;
  ~ComScope() {
    if (SUCCEEDED(hr_)) CoUninitialize();
  }

 private:
  HRESULT hr_;
};

// "INetFwRules::Add ... failed, HRESULT 0x80004001: Not implemented. (error ...)".
Error HresultError(HRESULT hr, const std::string& what) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(hr));
  return win::WinError(static_cast<unsigned long>(hr), what + " failed, HRESULT " + hex);
}

Result<void> Rules(ComPtr<INetFwRules>& rules) {
  ComPtr<INetFwPolicy2> policy;
  HRESULT hr = CoCreateInstance(CLSID_NetFwPolicy2, nullptr, CLSCTX_INPROC_SERVER,
                                IID_INetFwPolicy2, policy.void_out());
  if (FAILED(hr)) return HresultError(hr, "CoCreateInstance(NetFwPolicy2)");
  hr = policy->get_Rules(rules.out());
  if (FAILED(hr)) return HresultError(hr, "INetFwPolicy2::get_Rules");
  return {};
}

// Whether a rule of that name exists: Item answers ERROR_FILE_NOT_FOUND for none.
Result<bool> HasRule(INetFwRules* rules, const std::string& name) {
  ComPtr<INetFwRule> rule;
  const Bstr bname(name);
  const HRESULT hr = rules->Item(bname.get(), rule.out());
  if (SUCCEEDED(hr)) return true;
  if (hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)) return false;
  return HresultError(hr, "INetFwRules::Item('" + name + "')");
}

Result<void> Fill(INetFwRule* rule, const FirewallRule& r) {
  const Bstr name(r.name), description(r.description), port(std::to_string(r.tcp_port));
  const HRESULT results[] = {
      rule->put_Name(name.get()),
      rule->put_Description(description.get()),
      rule->put_Protocol(NET_FW_IP_PROTOCOL_TCP),
      rule->put_LocalPorts(port.get()),
      rule->put_Direction(NET_FW_RULE_DIR_IN),
      rule->put_Action(NET_FW_ACTION_ALLOW),
      rule->put_Profiles(NET_FW_PROFILE2_ALL),
      rule->put_Enabled(VARIANT_TRUE),
  };
  for (HRESULT hr : results) {
    if (FAILED(hr)) return HresultError(hr, "INetFwRule::put_* for the rule '" + r.name + "'");
  }
  return {};
}

}  // namespace

Result<void> AddFirewallRule(const FirewallRule& r) {
  const ComScope com;
  ComPtr<INetFwRules> rules;
  if (Result<void> got = Rules(rules); !got.ok()) return got;
  Result<bool> exists = HasRule(rules.get(), r.name);
  if (!exists.ok()) return exists.error();
  if (*exists) {
    const Bstr name(r.name);
    if (HRESULT hr = rules->Remove(name.get()); FAILED(hr)) {
      return HresultError(hr, "INetFwRules::Remove of the old rule '" + r.name + "'");
    }
  }
  ComPtr<INetFwRule> rule;
  HRESULT hr = CoCreateInstance(CLSID_NetFwRule, nullptr, CLSCTX_INPROC_SERVER, IID_INetFwRule,
                                rule.void_out());
  if (FAILED(hr)) return HresultError(hr, "CoCreateInstance(NetFwRule)");
  if (Result<void> filled = Fill(rule.get(), r); !filled.ok()) return filled;
  hr = rules->Add(rule.get());
  if (FAILED(hr)) {
    return HresultError(hr, "INetFwRules::Add of the rule '" + r.name + "' (inbound TCP " +
                                std::to_string(r.tcp_port) + ")");
  }
  return {};
}

Result<bool> RemoveFirewallRule(const std::string& name) {
  const ComScope com;
  ComPtr<INetFwRules> rules;
  if (Result<void> got = Rules(rules); !got.ok()) return got.error();
  Result<bool> exists = HasRule(rules.get(), name);
  if (!exists.ok() || !*exists) return exists;
  const Bstr bname(name);
  if (HRESULT hr = rules->Remove(bname.get()); FAILED(hr)) {
    return HresultError(hr, "INetFwRules::Remove of the rule '" + name + "'");
  }
  return true;
}

}  // namespace osfleet::platform

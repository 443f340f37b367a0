// What a probe learned about who answers at an address, beyond "it answers": the evidence
// an identity verdict is built from (agent/probe/identity.h). `encryption` and the INSTOPT
// answer come with every SQL Server probe, the rest with ProbeOptions::identity. No login.
#pragma once

#include <optional>
#include <string>

#include "agent/probe/sql_browser.h"

namespace osfleet::agent {

// A certificate presented in a TLS handshake; never verified (evidence, not trust).
struct TlsCertificate {
  std::string sha256;  // of the DER, lowercase hex
  std::string subject;
  std::string issuer;
  bool self_signed = false;  // issuer == subject and signed by its own key
};

// The server's answer to ENCRYPTION in PRELOGIN, or kStrict when it spoke TDS 8.0 (TLS
// first, ALPN "tds/8.0") and not a plain-text PRELOGIN.
enum class TdsEncryption { kUnknown, kOff, kOn, kNotSupported, kRequired, kStrict };

enum class TnsAnswer { kNone, kAccept, kRefuse, kRedirect, kResend, kOther };

struct Fingerprint {
  // ---- SQL Server ----
  TdsEncryption encryption = TdsEncryption::kUnknown;
  std::optional<TlsCertificate> certificate;
  std::string certificate_note;  // why there is none: "the server does not support encryption"
  std::string instance_sent;     // the INSTOPT we sent; empty: none ("\0", any instance)
  std::optional<bool> instance_accepted;               // its INSTOPT answer: 0x00 true, 0x01 false
  std::optional<sqlbrowser::BrowserInstance> browser;  // the Browser's word on the instance
  std::string browser_note;                            // why there is none
  // ---- Oracle ----
  TnsAnswer tns = TnsAnswer::kNone;
  int tns_error = 0;     // ERR=12514 from a REFUSE's data; 0 when none
  std::string tns_note;  // what the listener said, for evidence text
};

}  // namespace osfleet::agent

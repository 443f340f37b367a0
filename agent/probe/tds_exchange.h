// The TDS conversation of a SQL Server probe over a connected socket: the plain-text PRELOGIN
// (TDS 7.x), the TLS handshake carried in PRELOGIN packets that follows it, and TDS 8.0
// (TLS first, ALPN "tds/8.0", then PRELOGIN inside TLS). Every read is bounded by the
// link's deadline and asks its cancel token; nothing is ever sent after PRELOGIN and the TLS
// handshake (no LOGIN7: a failed login is an audit event on the database).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/probe/fingerprint.h"
#include "agent/probe/socket_util.h"
#include "agent/probe/tds_prelogin.h"
#include "common/time/cancel.h"

namespace osfleet::agent {

// One connection and the limits of the step using it.
struct TdsLink {
  platform::Socket* socket = nullptr;
  std::string endpoint;  // "10.0.0.5:1433", for messages
  absl::Time deadline;
  absl::Duration timeout;  // how long the step was given, for messages
  CancelToken cancel;
  std::string pending;  // received bytes not consumed yet
  bool closed = false;  // the server closed the connection
};

// The plain-text PRELOGIN with INSTOPT `instance`. `tds8_hint`: the server closed the
// connection without a byte or answered with a TLS record (0x15/0x16): a TDS 8.0 ("strict")
// server, to try again with TLS first. Errors start "TDS PRELOGIN: ".
struct PlainPrelogin {
  absl::StatusOr<tds::PreloginAnswer> answer;
  bool tds8_hint = false;
};
PlainPrelogin ExchangePrelogin(TdsLink& link, const std::string& instance);

// TLS (at most 1.2, no verification) inside PRELOGIN packets after a plain PRELOGIN whose
// answer allows it; the server's certificate. Errors say why, without a prefix.
absl::StatusOr<TlsCertificate> HandshakeInPrelogin(TdsLink& link);

// TDS 8.0 on a fresh connection: TLS first (ALPN tds/8.0, SNI `sni` unless empty, TLS 1.2
// or 1.3), then PRELOGIN inside TLS. Errors start "TDS PRELOGIN (TDS 8.0): ".
struct StrictPrelogin {
  tds::PreloginAnswer answer;
  std::optional<TlsCertificate> certificate;
};
absl::StatusOr<StrictPrelogin> ExchangeStrict(TdsLink& link, const std::string& sni,
                                              const std::string& instance);

}  // namespace osfleet::agent

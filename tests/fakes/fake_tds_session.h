// One client connection of the fake SQL Server, as bytes in and bytes out (no sockets): the
// PRELOGIN answer, TLS inside PRELOGIN packets (TDS 7.x) or TLS first (TDS 8.0), and what a
// SQL Server does with what follows. FakeSqlServer (fake_sqlserver.h) feeds it from poll();
// that header cites the public sources of each behaviour.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "agent/probe/tds_tls.h"

namespace osfleet::fakes {

// How the session behaves, shared by every connection of one fake instance.
struct FakeTdsBehaviour {
  enum class Kind { kAnswer, kSilent, kGarbage, kBadTls } kind = Kind::kAnswer;
  std::string version;   // "15.0.4153.1"
  std::string instance;  // its instance name, for INSTOPT
  bool tls = true;       // false: ENCRYPT_NOT_SUP, and a TLS handshake closes
  bool force_encryption = false;
  bool strict = false;      // TDS 8.0 only
  SSL_CTX* tds7 = nullptr;  // TLS inside PRELOGIN (when tls)
  SSL_CTX* tds8 = nullptr;  // TLS first (when strict)
};

// What every session counts, for the tests' assertions.
struct FakeTdsCounters {
  std::atomic<int> prelogins_answered{0};
  std::atomic<int> tls_handshakes{0};  // completed, either kind
  std::atomic<int> login7_received{0};
};

class FakeTdsSession {
 public:
  FakeTdsSession(const FakeTdsBehaviour& behaviour, FakeTdsCounters& counters)
      : behaviour_(behaviour), counters_(counters) {}

  // Takes what the client sent; returns what to send back.
  std::string OnBytes(absl::string_view bytes);
  // The server closes the connection (after sending what OnBytes returned).
  bool closing() const { return phase_ == Phase::kClose; }

 private:
  enum class Phase { kPrelogin, kTlsInPrelogin, kTls, kPlainLogin, kIdle, kClose };

  std::string Step(bool& progressed);
  std::string Prelogin(bool& progressed);
  std::string TlsInPrelogin(bool& progressed);
  std::string Tls(bool& progressed);
  std::string PlainLogin(bool& progressed);
  struct Answer {
    std::string bytes;       // empty: the request was malformed
    bool accepted = false;   // INSTOPT matched
    bool handshake = false;  // TLS follows (TDS 7.x)
  };
  Answer AnswerPrelogin(absl::string_view packet);
  // A whole TDS packet at the start of `bytes` (removed from it), or empty.
  static std::string TakePacket(std::string& bytes);

  const FakeTdsBehaviour& behaviour_;
  FakeTdsCounters& counters_;
  Phase phase_ = Phase::kPrelogin;
  std::string received_;  // from the socket, not consumed yet
  std::string plain_;     // decrypted, not consumed yet
  std::unique_ptr<agent::tls::MemoryTls> tls_;
};

}  // namespace osfleet::fakes

// An in-process stand-in for a SQL Server instance: TCP listeners (one port, one or more
// IPs) that answer a TDS PRELOGIN with a chosen version, do the TLS handshake a SQL Server
// does, and optionally a SQL Server Browser on UDP (first IP, port 0) that maps the instance
// name to that TCP port. One background thread serves everything with poll(); TLS runs per
// client over memory BIOs (fake_tds_session.h). Stop() (or the destructor) joins it.
//
// Each behaviour and its public source (the least forgiving plausible reading where the
// sources are silent):
// - PRELOGIN request and answer (type 0x12, answer 0x04), the options VERSION, ENCRYPTION,
//   INSTOPT: MS-TDS 2.2.6.5 PRELOGIN
//   https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/60f56408-0188-4cd5-8b90-25c6f2423868
//   INSTOPT answer 0x01 when the client named another instance, after which the client
//   ends the connection: the fake closes it after its answer (MS-TDS 2.2.6.5, B_INSTVALIDITY).
// - ENCRYPTION: ENCRYPT_NOT_SUP (2) without TLS (then a TLS handshake gets the connection
//   closed), ENCRYPT_REQ (3) with force_encryption, otherwise OFF/ON echoing the client;
//   except with NOT_SUP on either side the TLS handshake follows, "the login packet only"
//   being encrypted under OFF (MS-TDS 2.2.6.5, the ENCRYPTION table).
// - TLS inside PRELOGIN: "the packet data is simply the raw bytes of the SSL handshake
//   payload" in type 0x12 packets both ways (MS-TDS 2.2.6.5; 3.3.5.1 "TLS/SSL Negotiation"
//   state); after the handshake TLS records travel bare. TLS at most 1.2 there.
// - The self-signed fallback certificate (TlsSource::kFallback): "a self-signed certificate
//   is created automatically during the startup to be used for channel encryption" when
//   none is provisioned; SHA-256 since SQL Server 2017. Microsoft, "Changes to hashing
//   algorithm for self-signed certificate in SQL Server 2017"
//   https://techcommunity.microsoft.com/blog/sqlserversupport/changes-to-hashing-algorithm-for-self-signed-certificate-in-sql-server-2017/319026
//   and "Configure SQL Server Database Engine for encrypting connections"
//   https://learn.microsoft.com/en-us/sql/database-engine/configure-windows/configure-sql-server-encryption
//   Its subject CN=SSL_Self_Signed_Fallback is what such servers present. One per Start():
//   the same on every connection and listener of the instance, another for another instance.
// - A provisioned certificate (kFiles) may be shared by several instances (cluster nodes,
//   wildcards): same docs.
// - TDS 8.0 (strict): TLS first, ALPN "tds/8.0", then PRELOGIN inside TLS; a plain-text
//   PRELOGIN gets no answer (the fake closes the connection), a ClientHello without that
//   ALPN a handshake alert. "TDS 8.0"
//   https://learn.microsoft.com/en-us/sql/relational-databases/security/networking/tds-8 and
//   SqlConnectionEncryptOption.Strict
//   https://learn.microsoft.com/en-us/dotnet/api/microsoft.data.sqlclient.sqlconnectionencryptoption.strict
// - One instance on several IPs and one port: SQL Server Configuration Manager's "IPAll"
//   (TCP/IP properties)
//   https://learn.microsoft.com/en-us/sql/database-engine/configure-windows/configure-a-server-to-listen-on-a-specific-tcp-port
// - SQL Server Browser: MC-SQLR 2.2 (CLNT_UCAST_INST, CLNT_UCAST_EX, SVR_RESP); silent for
//   an instance it does not know (MC-SQLR 3.2.5.3).
// - LOGIN7 (type 0x10) is counted wherever it arrives (clear or inside TLS): tests assert
//   the probe never sends one (MS-TDS 2.2.6.4).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "agent/probe/socket_util.h"
#include "tests/fakes/fake_tds_session.h"
#include "tests/fakes/fake_tls.h"

namespace osfleet::fakes {

class FakeSqlServer {
 public:
  enum class Mode {
    kAnswer,   // answer each PRELOGIN like a SQL Server
    kSilent,   // accept and read, never answer (timeout tests)
    kGarbage,  // answer the first bytes with an HTTP error (not TDS)
    kBadTls,   // answer PRELOGIN, then bytes that are not TLS in place of the handshake
  };
  enum class TlsSource {
    kFallback,  // a self-signed certificate made at Start()
    kFiles,     // cert_file + key_file (PEM)
    kNone,      // ENCRYPT_NOT_SUP; a TLS handshake closes the connection
  };

  struct Options {
    Mode mode = Mode::kAnswer;
    std::string version = "15.0.4153.1";   // reported in the PRELOGIN answer
    bool serve_browser = false;            // also answer SQL Server Browser queries (UDP)
    std::string instance = "MSSQLSERVER";  // its name: INSTOPT and the Browser
    std::string server_name = "FAKESQL";
    TlsSource tls = TlsSource::kFallback;
    std::string cert_file;  // with kFiles
    std::string key_file;
    bool force_encryption = false;  // answers ENCRYPT_REQ
    bool strict = false;            // TDS 8.0 only
    // IPv4 addresses to listen on: the first on `port` (0: any), the others on the same port.
    std::vector<std::string> listen = {"127.0.0.1"};
    uint16_t port = 0;
  };

  FakeSqlServer() = default;
  FakeSqlServer(const FakeSqlServer&) = delete;
  FakeSqlServer& operator=(const FakeSqlServer&) = delete;
  ~FakeSqlServer() { Stop(); }

  // Makes its certificate, binds the sockets and starts serving; ports are known when it
  // returns.
  absl::Status Start(const Options& options);
  // Stops serving and closes every socket; idempotent.
  void Stop();

  uint16_t tcp_port() const { return tcp_port_; }
  uint16_t browser_port() const { return browser_port_; }  // 0 without a Browser
  int connections_accepted() const { return connections_accepted_.load(); }
  int prelogins_answered() const { return counters_.prelogins_answered.load(); }
  int tls_handshakes() const { return counters_.tls_handshakes.load(); }
  int login7_received() const { return counters_.login7_received.load(); }

 private:
  struct Client;

  absl::Status PrepareTls();
  absl::Status BindAll();
  void Serve();
  void AcceptAll(int listener, std::vector<Client>& clients);
  void AnswerBrowser();
  // False when the client is done and its connection should close.
  bool ServeClient(Client& client);

  Options options_;
  FakeTlsIdentity identity_;
  FakeTdsBehaviour behaviour_;
  FakeTdsCounters counters_;
  std::vector<agent::UniqueFd> listeners_;
  agent::UniqueFd browser_;
  agent::UniqueFd wake_read_;
  agent::UniqueFd wake_write_;
  uint16_t tcp_port_ = 0;
  uint16_t browser_port_ = 0;
  std::atomic<int> connections_accepted_{0};
  std::thread thread_;
};

}  // namespace osfleet::fakes

// An in-process stand-in for an Oracle listener: TCP on one port of one or more IPs
// (127.0.0.1:0 by default) that answers a TNS CONNECT for the services and SIDs it knows,
// and refuses the others, as a real listener does before any login. One background
// thread serves everything with poll(); Stop() (or the destructor) joins it.
//
// What it copies, and from where:
// - Packet layouts (header, CONNECT, ACCEPT, REFUSE, REDIRECT, RESEND, DATA): Wireshark's
//   TNS dissector, epan/dissectors/packet-tns.c; a connect descriptor over 230 bytes
//   follows its CONNECT in a DATA packet: python-oracledb's thin driver
//   (src/oracledb/impl/thin, TNS_MAX_CONNECT_DATA). Both are parsed strictly here
//   (agent/probe/tns_packet.h): bytes that are not TNS, a first packet that is not a
//   CONNECT, a length or offset past the packet, or a long CONNECT not followed by its
//   DATA packet of the declared length close the connection without an answer, as a
//   listener drops a client that does not speak TNS (it logs TNS-12537/12560).
// - Refusals: "ORA-12514: TNS:listener does not currently know of service requested in
//   connect descriptor" and "ORA-12505: TNS:listener does not currently know of SID given
//   in connect descriptor" (Oracle Database Error Messages, docs.oracle.com/en/error-help/
//   db/ora-12514 and ora-12505); "ORA-12504: TNS:listener was not given the SERVICE_NAME
//   in CONNECT_DATA" when neither is given. The REFUSE data is the listener's NV text as
//   clients print it: "(DESCRIPTION=(TMP=)(VSNNUM=318767104)(ERR=12514)(ERROR_STACK=
//   (ERROR=(CODE=12514)(EMFI=4))))" (VSNNUM 318767104 = 0x13000000, release 19). The
//   listener closes the connection after a REFUSE and after a REDIRECT.
// - Service names match in any case (the listener compares them case-insensitively); SIDs
//   must match exactly (an ORACLE_SID is case-sensitive on Unix), the stricter of the two.
// - REDIRECT: a listener handing the client to another address (a dispatcher, a SCAN
//   listener's local listener): the data is "(ADDRESS=(PROTOCOL=TCP)(HOST=ip)(PORT=p))",
//   a NUL, then the client's own descriptor. RESEND: the listener asks for the CONNECT
//   again on the same connection (python-oracledb and the JDBC thin driver resend it);
//   here the first CONNECT of each connection gets one, the second is judged.
// - After ACCEPT a real server waits for the client's next packet (network service
//   negotiation, then authentication); this fake answers nothing more and counts any byte
//   a client sends after ACCEPT (bytes_after_accept()): a probe must send none.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "agent/probe/socket_util.h"

namespace osfleet::fakes {

class FakeTnsListener {
 public:
  enum class Mode {
    kAccept,    // a known service or SID: ACCEPT
    kRedirect,  // a known service or SID: REDIRECT to this listener's first address
    kResend,    // the first CONNECT of a connection: RESEND; then as kAccept
    kSilent,    // accept connections, read, never answer (timeout tests)
  };

  struct Options {
    Mode mode = Mode::kAccept;
    std::vector<std::string> services = {"OSSVC"};
    std::vector<std::string> sids;
    std::vector<std::string> listen = {"127.0.0.1"};  // one port on each
    uint16_t port = 0;                                // 0: any free port
  };

  FakeTnsListener() = default;
  FakeTnsListener(const FakeTnsListener&) = delete;
  FakeTnsListener& operator=(const FakeTnsListener&) = delete;
  ~FakeTnsListener() { Stop(); }

  // Binds every address and starts serving; the port is known when it returns.
  absl::Status Start(const Options& options);
  // Stops serving and closes every socket; idempotent.
  void Stop();

  uint16_t port() const { return port_; }
  int connections_accepted() const { return connections_accepted_.load(); }
  int connects_received() const { return connects_received_.load(); }  // RESENT ones too
  int refused() const { return refused_.load(); }
  int accepted() const { return accepted_.load(); }
  int bytes_after_accept() const { return bytes_after_accept_.load(); }
  // Connections the client closed (after everything it sent was read).
  int client_closes() const { return client_closes_.load(); }
  std::string last_descriptor() const;  // the connect data of the last CONNECT read

 private:
  struct Client;

  void Serve();
  void AcceptAll(int listener, std::vector<Client>& clients);
  // False when the connection should close.
  bool ServeClient(Client& client);
  bool HandlePacket(Client& client, absl::string_view packet);
  bool Answer(Client& client, const std::string& descriptor);

  Options options_;
  std::vector<agent::UniqueFd> listeners_;
  agent::UniqueFd wake_read_;
  agent::UniqueFd wake_write_;
  uint16_t port_ = 0;
  std::atomic<int> connections_accepted_{0};
  std::atomic<int> connects_received_{0};
  std::atomic<int> refused_{0};
  std::atomic<int> accepted_{0};
  std::atomic<int> bytes_after_accept_{0};
  std::atomic<int> client_closes_{0};
  mutable absl::Mutex mutex_;
  std::string last_descriptor_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace osfleet::fakes

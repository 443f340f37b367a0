#include "tests/fakes/fake_tds_session.h"

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "agent/probe/tds_prelogin.h"

namespace osfleet::fakes {
namespace {

namespace tds = agent::tds;

// What an HTTP server says to a TDS client: the probe must call it "not TDS" (0x48 'H').
constexpr absl::string_view kGarbage = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
// Bytes in PRELOGIN packets where the TLS handshake should be: no TLS record at all.
constexpr absl::string_view kNotTls = "this is not a TLS record\r\n";
constexpr uint8_t kPacketLogin7 = 0x10;
constexpr uint8_t kTlsHandshakeRecord = 0x16;

uint8_t Type(absl::string_view packet) { return static_cast<uint8_t>(packet[0]); }

}  // namespace

std::string FakeTdsSession::OnBytes(absl::string_view bytes) {
  received_.append(bytes.data(), bytes.size());
  std::string out;
  bool progressed = true;
  while (progressed && phase_ != Phase::kClose) {
    progressed = false;
    out += Step(progressed);
  }
  return out;
}

std::string FakeTdsSession::Step(bool& progressed) {
  switch (phase_) {
    case Phase::kPrelogin:
      return Prelogin(progressed);
    case Phase::kTlsInPrelogin:
      return TlsInPrelogin(progressed);
    case Phase::kTls:
      return Tls(progressed);
    case Phase::kPlainLogin:
      return PlainLogin(progressed);
    case Phase::kIdle:
      received_.clear();  // answered once; read and ignore the rest
      return "";
    case Phase::kClose:
      return "";
  }
  return "";
}

std::string FakeTdsSession::TakePacket(std::string& bytes) {
  if (bytes.size() < tds::kHeaderSize) return "";
  size_t length = (static_cast<uint8_t>(bytes[2]) << 8) | static_cast<uint8_t>(bytes[3]);
  if (length < tds::kHeaderSize) length = bytes.size();  // malformed: the caller closes
  if (bytes.size() < length) return "";
  std::string packet = bytes.substr(0, length);
  bytes.erase(0, length);
  return packet;
}

std::string FakeTdsSession::Prelogin(bool& progressed) {
  using Kind = FakeTdsBehaviour::Kind;
  if (behaviour_.kind == Kind::kSilent || received_.empty()) {
    received_.clear();
    return "";
  }
  if (behaviour_.kind == Kind::kGarbage) {
    phase_ = Phase::kIdle;
    return std::string(kGarbage);
  }
  progressed = true;
  if (behaviour_.strict) {
    // TDS 8.0: TLS comes first; anything else is dropped without a word.
    if (Type(received_) != kTlsHandshakeRecord) {
      phase_ = Phase::kClose;
      return "";
    }
    absl::StatusOr<std::unique_ptr<agent::tls::MemoryTls>> tls =
        agent::tls::MemoryTls::Server(behaviour_.tds8, /*allow_tls13=*/true);
    if (!tls.ok()) phase_ = Phase::kClose;
    if (tls.ok()) tls_ = *std::move(tls), phase_ = Phase::kTls;
    return "";
  }
  const std::string packet = TakePacket(received_);
  if (packet.empty()) {
    progressed = false;
    return "";
  }
  if (Type(packet) != tds::kPacketPrelogin) {
    if (Type(packet) == kPacketLogin7) counters_.login7_received.fetch_add(1);
    phase_ = Phase::kClose;
    return "";
  }
  Answer answer = AnswerPrelogin(packet);
  phase_ = !answer.accepted   ? Phase::kClose
           : answer.handshake ? Phase::kTlsInPrelogin
                              : Phase::kPlainLogin;
  if (phase_ == Phase::kTlsInPrelogin) {
    absl::StatusOr<std::unique_ptr<agent::tls::MemoryTls>> tls =
        agent::tls::MemoryTls::Server(behaviour_.tds7, /*allow_tls13=*/false);
    if (!tls.ok()) phase_ = Phase::kClose;
    if (tls.ok()) tls_ = *std::move(tls);
  }
  return std::move(answer.bytes);
}

FakeTdsSession::Answer FakeTdsSession::AnswerPrelogin(absl::string_view packet) {
  Answer answer;
  absl::StatusOr<tds::PreloginRequest> request = tds::ParsePreloginRequest(packet);
  if (!request.ok()) return answer;
  answer.accepted =
      request->instance.empty() || absl::EqualsIgnoreCase(request->instance, behaviour_.instance);
  uint8_t encryption = request->encryption == tds::kEncryptOn ? tds::kEncryptOn : tds::kEncryptOff;
  if (behaviour_.force_encryption) encryption = tds::kEncryptRequired;
  if (!behaviour_.tls) encryption = tds::kEncryptNotSupported;
  absl::StatusOr<std::string> bytes =
      tds::BuildPreloginResponse(behaviour_.version, encryption, answer.accepted);
  if (!bytes.ok()) return answer;
  answer.bytes = *std::move(bytes);
  answer.handshake = behaviour_.tls && request->encryption != tds::kEncryptNotSupported;
  counters_.prelogins_answered.fetch_add(1);  // before sending: a client that got it sees it
  return answer;
}

std::string FakeTdsSession::TlsInPrelogin(bool& progressed) {
  const std::string packet = TakePacket(received_);
  if (packet.empty()) return "";
  progressed = true;
  if (Type(packet) != tds::kPacketPrelogin) {
    if (Type(packet) == kPacketLogin7) counters_.login7_received.fetch_add(1);
    phase_ = Phase::kClose;
    return "";
  }
  if (behaviour_.kind == FakeTdsBehaviour::Kind::kBadTls) {
    phase_ = Phase::kIdle;
    return tds::PreloginDataPackets(kNotTls);
  }
  tls_->Feed(absl::string_view(packet).substr(tds::kHeaderSize));
  absl::StatusOr<bool> done = tls_->Handshake();
  const std::string out = tls_->TakeOutgoing();
  if (!done.ok()) phase_ = Phase::kClose;
  if (done.ok() && *done) {
    counters_.tls_handshakes.fetch_add(1);
    phase_ = Phase::kTls;  // from now on TLS records travel bare (MS-TDS 3.3.5.2)
  }
  return out.empty() ? "" : tds::PreloginDataPackets(out);
}

std::string FakeTdsSession::Tls(bool& /*progressed*/) {
  if (received_.empty()) return "";
  tls_->Feed(received_);
  received_.clear();
  std::string out;
  if (!tls_->handshake_done()) {
    absl::StatusOr<bool> done = tls_->Handshake();
    out = tls_->TakeOutgoing();
    if (!done.ok()) phase_ = Phase::kClose;
    if (!done.ok() || !*done) return out;
    counters_.tls_handshakes.fetch_add(1);
  }
  absl::StatusOr<std::string> plain = tls_->Read();
  if (!plain.ok()) {
    phase_ = Phase::kClose;
    return out;
  }
  plain_ += *plain;
  for (std::string packet = TakePacket(plain_); !packet.empty() && phase_ != Phase::kClose;
       packet = TakePacket(plain_)) {
    if (Type(packet) == kPacketLogin7) counters_.login7_received.fetch_add(1);
    if (Type(packet) != tds::kPacketPrelogin || !behaviour_.strict) {
      phase_ = Phase::kClose;
      break;
    }
    // TDS 8.0: PRELOGIN inside TLS, answered the same way.
    const Answer answer = AnswerPrelogin(packet);
    if (answer.bytes.empty() || !tls_->Write(answer.bytes).ok()) {
      phase_ = Phase::kClose;
      break;
    }
    out += tls_->TakeOutgoing();
    if (!answer.accepted) phase_ = Phase::kClose;
  }
  return out;
}

std::string FakeTdsSession::PlainLogin(bool& progressed) {
  const std::string packet = TakePacket(received_);
  if (packet.empty()) return "";
  progressed = true;
  // LOGIN7 in clear text is counted; a TLS handshake is refused (ENCRYPT_NOT_SUP): close.
  if (Type(packet) == kPacketLogin7) counters_.login7_received.fetch_add(1);
  phase_ = Phase::kClose;
  return "";
}

}  // namespace osfleet::fakes

#include "agent/probe/tds_exchange.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "agent/probe/tds_tls.h"

namespace osfleet::agent {
namespace {

constexpr char kPlain[] = "TDS PRELOGIN: ";
constexpr char kStrict[] = "TDS PRELOGIN (TDS 8.0): ";
// The TLS handshake's flights are a few kilobytes; a certificate chain rarely passes 16 KiB.
constexpr size_t kMaxHandshakeMessage = 256 * 1024;
constexpr int kMaxHandshakeRounds = 16;
constexpr uint8_t kTlsAlert = 0x15;
constexpr uint8_t kTlsHandshake = 0x16;

// Returns the size of the first whole unit in `received`, 0 while it is incomplete.
using Framer = std::function<absl::StatusOr<size_t>(absl::string_view)>;

absl::Status SendAll(TdsLink& link, absl::string_view bytes, absl::string_view prefix) {
  const platform::Result<void> sent = link.socket->SendAll(
      std::string_view(bytes.data(), bytes.size()), SteadyDeadline(link.deadline));
  if (sent.ok()) return absl::OkStatus();
  if (sent.error().code == platform::Errc::kDeadlineExceeded) {
    return absl::DeadlineExceededError(
        absl::StrCat(prefix, "the server at ", link.endpoint, " does not take our request"));
  }
  return absl::UnavailableError(
      absl::StrCat(prefix, "sending to ", link.endpoint, " failed: ", sent.error().Reason()));
}

std::string Progress(size_t got, size_t expected) {
  if (expected == 0) return absl::StrCat("got ", got, " bytes");
  return absl::StrCat("got ", got, " of ", expected, " bytes");
}

absl::Status ReadStalled(const TdsLink& link, size_t got, size_t expected,
                         absl::string_view prefix) {
  if (got == 0) {
    return absl::DeadlineExceededError(absl::StrCat(
        prefix, "the server at ", link.endpoint, " accepted the connection but did not answer ",
        "within ", FormatTimeout(link.timeout), " (not a SQL Server, or one too busy to answer)"));
  }
  return absl::DeadlineExceededError(
      absl::StrCat(prefix, "the server at ", link.endpoint, " did not finish its answer within ",
                   FormatTimeout(link.timeout), " (", Progress(got, expected), ")"));
}

// The connection failed (error) or closed (none) after `got` bytes.
absl::Status ReadFailed(const TdsLink& link, const platform::Error* error, size_t got,
                        size_t expected, absl::string_view prefix) {
  if (error != nullptr) {
    return absl::UnavailableError(absl::StrCat(prefix, "reading from the server at ", link.endpoint,
                                               " failed: ", error->Reason()));
  }
  if (got == 0) {
    return absl::UnavailableError(absl::StrCat(prefix, "the server at ", link.endpoint,
                                               " closed the connection without answering "
                                               "(not a SQL Server?)"));
  }
  return absl::UnavailableError(absl::StrCat(prefix, "the server at ", link.endpoint,
                                             " closed the connection in the middle of its answer (",
                                             Progress(got, expected), ")"));
}

// Waits for bytes until the deadline, asking the cancel token every CancelToken::kPollStep:
// a server that accepts and never answers does not hold a probe its client gave up on.
platform::Result<size_t> ReceiveSome(TdsLink& link, char* buffer, size_t size) {
  for (;;) {
    const absl::Time slice = std::min(link.deadline, absl::Now() + CancelToken::kPollStep);
    platform::Result<size_t> n = link.socket->Receive(buffer, size, SteadyDeadline(slice));
    if (n.ok() || n.error().code != platform::Errc::kDeadlineExceeded) return n;
    if (absl::Now() >= link.deadline || link.cancel.Cancelled()) return n;
  }
}

// Reads until `framer` finds a whole unit at the start of link.pending; returns it and keeps
// what follows in link.pending.
absl::StatusOr<std::string> ReadUnit(TdsLink& link, const Framer& framer,
                                     absl::string_view prefix) {
  char buffer[tds::kMaxPreloginPacket];
  for (;;) {
    absl::StatusOr<size_t> expected = framer(link.pending);
    if (!expected.ok()) return expected.status();
    if (*expected != 0 && link.pending.size() >= *expected) {
      std::string unit = link.pending.substr(0, *expected);
      link.pending.erase(0, *expected);
      return unit;
    }
    const platform::Result<size_t> n = ReceiveSome(link, buffer, sizeof(buffer));
    if (!n.ok() && n.error().code == platform::Errc::kDeadlineExceeded) {
      if (absl::Status s = link.cancel.Check(); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("stopped: ", s.message()));
      }
      return ReadStalled(link, link.pending.size(), *expected, prefix);
    }
    if (!n.ok()) return ReadFailed(link, &n.error(), link.pending.size(), *expected, prefix);
    if (*n == 0) {
      link.closed = true;
      return ReadFailed(link, nullptr, link.pending.size(), *expected, prefix);
    }
    link.pending.append(buffer, *n);
  }
}

// Whatever bytes are there (or the next that come).
absl::StatusOr<std::string> ReadAny(TdsLink& link, absl::string_view prefix) {
  return ReadUnit(
      link, [](absl::string_view received) { return received.size(); }, prefix);
}

uint8_t FirstByte(absl::string_view bytes) {
  return bytes.empty() ? 0 : static_cast<uint8_t>(bytes[0]);
}

// A TDS packet of type 0x12 carrying TLS bytes.
absl::StatusOr<size_t> HandshakePacketSize(absl::string_view received) {
  if (received.empty()) return 0;
  if (FirstByte(received) != tds::kPacketPrelogin) {
    return absl::DataLossError(absl::StrFormat(
        "the server sent a TDS packet of type 0x%02X during the handshake (expected "
        "PRELOGIN, 0x12)",
        FirstByte(received)));
  }
  if (received.size() < 4) return 0;
  const size_t length =
      (static_cast<size_t>(FirstByte(received.substr(2))) << 8) | FirstByte(received.substr(3));
  if (length < tds::kHeaderSize) {
    return absl::DataLossError(absl::StrCat("the server sent a TDS header giving a length of ",
                                            length, ", shorter than the header itself"));
  }
  return length;
}

// The payloads of PRELOGIN packets up to the one marked end-of-message.
absl::StatusOr<std::string> ReadHandshakeMessage(TdsLink& link) {
  std::string message;
  for (;;) {
    absl::StatusOr<std::string> packet = ReadUnit(link, HandshakePacketSize, "");
    if (!packet.ok()) return packet.status();
    message.append(packet->substr(tds::kHeaderSize));
    if ((FirstByte(packet->substr(1)) & tds::kStatusEndOfMessage) != 0) return message;
    if (message.size() > kMaxHandshakeMessage) {
      return absl::DataLossError(
          absl::StrCat("the server's handshake message passed ", kMaxHandshakeMessage, " bytes"));
    }
  }
}

absl::Status TlsFailure(const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("TLS: ", status.message()));
}

// Drives the client handshake: `send` carries our bytes, `receive` brings the server's.
absl::Status RunHandshake(tls::MemoryTls& session,
                          const std::function<absl::Status(const std::string&)>& send,
                          const std::function<absl::StatusOr<std::string>()>& receive) {
  for (int round = 0; round < kMaxHandshakeRounds; ++round) {
    absl::StatusOr<bool> done = session.Handshake();
    if (!done.ok()) return TlsFailure(done.status());
    if (const std::string out = session.TakeOutgoing(); !out.empty()) {
      if (absl::Status s = send(out); !s.ok()) return s;
    }
    if (*done) return absl::OkStatus();
    absl::StatusOr<std::string> in = receive();
    if (!in.ok()) return in.status();
    session.Feed(*in);
  }
  return absl::DataLossError(
      absl::StrCat("the TLS handshake did not finish within ", kMaxHandshakeRounds, " rounds"));
}

// The PRELOGIN answer decrypted from the TLS session.
absl::StatusOr<tds::PreloginAnswer> ReadAnswerInside(TdsLink& link, tls::MemoryTls& session) {
  std::string plain;
  for (;;) {
    absl::StatusOr<std::string> more = session.Read();
    if (!more.ok())
      return absl::DataLossError(absl::StrCat(kStrict, "TLS: ", more.status().message()));
    plain += *more;
    absl::StatusOr<size_t> size = tds::ExpectedResponseSize(plain);
    if (!size.ok() || (*size != 0 && plain.size() >= *size)) {
      absl::StatusOr<tds::PreloginAnswer> answer =
          size.ok() ? tds::ParsePreloginAnswer(plain.substr(0, *size))
                    : absl::StatusOr<tds::PreloginAnswer>(size.status());
      if (answer.ok()) return answer;
      return absl::DataLossError(absl::StrCat(kStrict, "the server at ", link.endpoint,
                                              " answered inside TLS with ",
                                              answer.status().message()));
    }
    absl::StatusOr<std::string> bytes = ReadAny(link, kStrict);
    if (!bytes.ok()) return bytes.status();
    session.Feed(*bytes);
  }
}

}  // namespace

PlainPrelogin ExchangePrelogin(TdsLink& link, const std::string& instance) {
  PlainPrelogin result;
  if (absl::Status s = SendAll(link, tds::BuildPreloginPacket(instance), kPlain); !s.ok()) {
    result.answer = s;
    return result;
  }
  absl::StatusOr<std::string> packet = ReadUnit(link, tds::ExpectedResponseSize, kPlain);
  if (!packet.ok() && absl::IsDataLoss(packet.status())) {
    const uint8_t first = FirstByte(link.pending);
    result.tds8_hint = first == kTlsAlert || first == kTlsHandshake;
    result.answer = absl::DataLossError(absl::StrCat(kPlain, "the server at ", link.endpoint,
                                                     " answered with ", packet.status().message()));
    return result;
  }
  if (!packet.ok()) {
    result.tds8_hint = link.closed && link.pending.empty();
    result.answer = packet.status();
    return result;
  }
  absl::StatusOr<tds::PreloginAnswer> answer = tds::ParsePreloginAnswer(*packet);
  if (!answer.ok()) {
    answer = absl::DataLossError(absl::StrCat(kPlain, "the server at ", link.endpoint,
                                              " answered with ", answer.status().message()));
  }
  result.answer = std::move(answer);
  return result;
}

absl::StatusOr<TlsCertificate> HandshakeInPrelogin(TdsLink& link) {
  absl::StatusOr<std::unique_ptr<tls::MemoryTls>> session = tls::MemoryTls::Client({});
  if (!session.ok()) return session.status();
  absl::Status done = RunHandshake(
      **session,
      [&link](const std::string& out) { return SendAll(link, tds::PreloginDataPackets(out), ""); },
      [&link] { return ReadHandshakeMessage(link); });
  // The certificate counts even when the handshake failed after it (we never need the rest).
  std::optional<TlsCertificate> certificate = (*session)->PeerCertificate();
  if (certificate) return *std::move(certificate);
  if (!done.ok()) return done;
  return absl::DataLossError("the server presented no certificate");
}

absl::StatusOr<StrictPrelogin> ExchangeStrict(TdsLink& link, const std::string& sni,
                                              const std::string& instance) {
  tls::ClientSettings settings;
  settings.allow_tls13 = true;
  settings.alpn = tls::kAlpnTds8;
  settings.sni = sni;
  absl::StatusOr<std::unique_ptr<tls::MemoryTls>> session = tls::MemoryTls::Client(settings);
  if (!session.ok()) return session.status();
  tls::MemoryTls& tls = **session;
  absl::Status done = RunHandshake(
      tls, [&link](const std::string& out) { return SendAll(link, out, kStrict); },
      [&link] { return ReadAny(link, kStrict); });
  if (!done.ok()) {
    if (absl::StartsWith(done.message(), kStrict)) return done;
    return absl::Status(done.code(), absl::StrCat(kStrict, done.message()));
  }
  StrictPrelogin result;
  result.certificate = tls.PeerCertificate();
  // TDS 8.0 has TLS already: the ENCRYPTION option has nothing left to negotiate.
  if (absl::Status s = tls.Write(tds::BuildPreloginPacket(instance, tds::kEncryptNotSupported));
      !s.ok()) {
    return absl::UnavailableError(absl::StrCat(kStrict, "TLS: ", s.message()));
  }
  if (absl::Status s = SendAll(link, tls.TakeOutgoing(), kStrict); !s.ok()) return s;
  absl::StatusOr<tds::PreloginAnswer> answer = ReadAnswerInside(link, tls);
  if (!answer.ok()) return answer.status();
  result.answer = *std::move(answer);
  return result;
}

}  // namespace osfleet::agent

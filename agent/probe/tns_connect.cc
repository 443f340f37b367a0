#include "agent/probe/tns_connect.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agent/probe/socket_util.h"
#include "common/platform/host_info.h"
#include "common/text/escape.h"

namespace osfleet::agent {
namespace {

constexpr size_t kMaxNoteData = 200;  // of a REDIRECT's address, in the note

std::string Lead(const std::string& endpoint) {
  return absl::StrCat("TNS CONNECT: the listener at ", endpoint);
}

std::string Progress(size_t got, size_t expected) {
  if (expected == 0) return absl::StrCat("got ", got, " bytes");
  return absl::StrCat("got ", got, " of ", expected, " bytes");
}

absl::Status SendConnect(platform::Socket& socket, absl::string_view bytes, absl::Time deadline,
                         const std::string& endpoint) {
  const platform::Result<void> sent =
      socket.SendAll(std::string_view(bytes.data(), bytes.size()), SteadyDeadline(deadline));
  if (sent.ok()) return absl::OkStatus();
  if (sent.error().code == platform::Errc::kDeadlineExceeded) {
    return absl::DeadlineExceededError(absl::StrCat(Lead(endpoint), " does not take our CONNECT"));
  }
  return absl::UnavailableError(
      absl::StrCat("TNS CONNECT: sending to ", endpoint, " failed: ", sent.error().Reason()));
}

absl::Status Stalled(const std::string& endpoint, size_t got, size_t expected,
                     absl::Duration timeout) {
  if (got == 0) {
    return absl::DeadlineExceededError(
        absl::StrCat(Lead(endpoint), " accepted the connection but did not answer within ",
                     FormatTimeout(timeout), " (not an Oracle listener, or one too busy)"));
  }
  return absl::DeadlineExceededError(
      absl::StrCat(Lead(endpoint), " did not finish its answer within ", FormatTimeout(timeout),
                   " (", Progress(got, expected), ")"));
}

absl::Status Closed(const std::string& endpoint, size_t got, size_t expected) {
  if (got == 0) {
    return absl::UnavailableError(absl::StrCat(
        Lead(endpoint), " closed the connection without answering (not an Oracle listener?)"));
  }
  return absl::UnavailableError(absl::StrCat(Lead(endpoint),
                                             " closed the connection in the middle of its "
                                             "answer (",
                                             Progress(got, expected), ")"));
}

absl::Status BadAnswer(const std::string& endpoint, const absl::Status& parse_error) {
  return absl::DataLossError(
      absl::StrCat(Lead(endpoint), " answered with ", parse_error.message()));
}

// Reads one TNS packet, failing as soon as the bytes cannot be one.
absl::StatusOr<std::string> ReadTnsPacket(platform::Socket& socket, absl::Time deadline,
                                          const std::string& endpoint, absl::Duration timeout,
                                          const CancelToken& cancel) {
  std::string received;
  size_t expected = 0;
  char buffer[tns::kMaxPacket];
  while (expected == 0 || received.size() < expected) {
    const size_t want =
        expected == 0 ? tns::kHeaderSize - received.size() : expected - received.size();
    const platform::Result<size_t> n = ReceiveSome(socket, buffer, want, deadline, cancel);
    if (!n.ok() && n.error().code == platform::Errc::kDeadlineExceeded) {
      if (absl::Status s = cancel.Check(); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("stopped: ", s.message()));
      }
      return Stalled(endpoint, received.size(), expected, timeout);
    }
    if (!n.ok()) {
      return absl::UnavailableError(absl::StrCat("TNS CONNECT: reading from the listener at ",
                                                 endpoint, " failed: ", n.error().Reason()));
    }
    if (*n == 0) return Closed(endpoint, received.size(), expected);
    received.append(buffer, *n);
    absl::StatusOr<size_t> size = tns::PacketSize(received);
    if (!size.ok()) return BadAnswer(endpoint, size.status());
    expected = *size;
  }
  return received;
}

std::string Target(const tns::ConnectData& data) {
  return data.sid.empty() ? absl::StrCat("service ", data.service_name)
                          : absl::StrCat("SID ", data.sid);
}

// What a REFUSE's ERR means, in words; empty for a number we do not describe.
std::string RefusalMeaning(int error, const tns::ConnectData& data) {
  switch (error) {
    case 12514:
    case 12505:
      return absl::StrCat("the listener does not know ", Target(data));
    case 12504:
      return "the listener was not given a service name";
    case 12516:
    case 12519:
      return absl::StrCat("the listener knows ", Target(data), " but has no handler free for it");
    case 12528:
    case 12526:
    case 12527:
      return absl::StrCat("the listener knows ", Target(data), " but blocks new connections");
    default:
      return "";
  }
}

TnsEvidence Describe(const tns::Answer& answer, const tns::ConnectData& data, bool resent) {
  TnsEvidence evidence{answer.kind, answer.error, ""};
  const std::string after = resent ? " after a RESEND" : "";
  switch (answer.kind) {
    case TnsAnswer::kAccept:
      evidence.note = absl::StrCat("ACCEPT", after, " (the listener serves ", Target(data),
                                   "; TNS version ", answer.version, ")");
      break;
    case TnsAnswer::kRefuse: {
      if (answer.error == 0) {
        evidence.note = absl::StrCat("REFUSE", after, " (no ERR in its answer)");
        break;
      }
      const std::string meaning = RefusalMeaning(answer.error, data);
      evidence.note = absl::StrCat("REFUSE", after, " (ERR=", answer.error,
                                   meaning.empty() ? "" : ": ", meaning, ")");
      break;
    }
    case TnsAnswer::kRedirect: {
      // The new address, before the NUL that may precede a copy of our descriptor.
      const std::string to = answer.data.substr(0, std::min(answer.data.find('\0'), kMaxNoteData));
      evidence.note =
          absl::StrCat("REDIRECT", after, " (the listener knows ", Target(data),
                       to.empty() ? " and sends clients elsewhere" : " and sends clients to ",
                       EscapeControls(to), ")");
      break;
    }
    case TnsAnswer::kResend:
      evidence.note = "RESEND twice (the listener asked for our CONNECT again after we resent it)";
      break;
    default:
      evidence.note = absl::StrFormat(
          "a TNS packet of type %d%s, not ACCEPT, REFUSE, REDIRECT or RESEND", answer.type, after);
      break;
  }
  return evidence;
}

}  // namespace

absl::StatusOr<TnsEvidence> ExchangeTnsConnect(platform::Socket& socket,
                                               const std::string& endpoint,
                                               const tns::ConnectData& data, absl::Duration timeout,
                                               const CancelToken& cancel) {
  absl::StatusOr<std::string> descriptor = tns::BuildConnectDescriptor(data);
  if (!descriptor.ok()) return descriptor.status();
  absl::StatusOr<std::string> connect = tns::BuildConnect(*descriptor);
  if (!connect.ok()) return connect.status();
  const absl::Time deadline = absl::Now() + timeout;
  for (int attempt = 0;; ++attempt) {
    if (absl::Status s = SendConnect(socket, *connect, deadline, endpoint); !s.ok()) return s;
    absl::StatusOr<std::string> packet = ReadTnsPacket(socket, deadline, endpoint, timeout, cancel);
    if (!packet.ok()) return packet.status();
    absl::StatusOr<tns::Answer> answer = tns::ParseAnswer(*packet);
    if (!answer.ok()) return BadAnswer(endpoint, answer.status());
    // RESEND: send the CONNECT once more on this connection, then judge that answer.
    if (answer->kind == TnsAnswer::kResend && attempt == 0) continue;
    return Describe(*answer, data, attempt > 0);
  }
}

void GatherTnsEvidence(platform::Socket& socket, const std::string& endpoint,
                       const OracleAddress& address, uint32_t port, absl::Duration timeout,
                       const CancelToken& cancel, Fingerprint& fingerprint) {
  tns::ConnectData data;
  data.service_name = address.service_name;
  data.client_host = tns::DescriptorSafe(platform::HostName());
  data.address_host = address.host;
  data.address_port = static_cast<uint16_t>(port);
  absl::StatusOr<TnsEvidence> evidence =
      ExchangeTnsConnect(socket, endpoint, data, timeout, cancel);
  if (!evidence.ok()) {
    fingerprint.tns = TnsAnswer::kNone;
    fingerprint.tns_error = 0;
    fingerprint.tns_note = std::string(evidence.status().message());
    return;
  }
  fingerprint.tns = evidence->answer;
  fingerprint.tns_error = evidence->error;
  fingerprint.tns_note = std::move(evidence->note);
}

}  // namespace osfleet::agent

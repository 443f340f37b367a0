// The Oracle half of a probe's identity evidence: a TNS CONNECT to the address's service
// over the probe's TCP connection, and what the listener answered. ACCEPT, REDIRECT and
// RESEND mean the listener has the service; REFUSE with ERR=12514 (or 12505 for a SID)
// means it does not know it. Never a login: after the answer the connection is closed
// (after an ACCEPT too, before any authentication). Packets: agent/probe/tns_packet.h.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/probe/fingerprint.h"
#include "agent/probe/tns_packet.h"
#include "common/model/address.h"
#include "common/platform/sockets.h"
#include "common/time/cancel.h"

namespace osfleet::agent {

// What the listener said to our CONNECT.
struct TnsEvidence {
  TnsAnswer answer = TnsAnswer::kNone;
  int error = 0;     // REFUSE's ERR=NNNNN; 0 when none
  std::string note;  // "REFUSE (ERR=12514: the listener does not know service OSSVC)"
};

// Sends the CONNECT for `data` over `socket` (connected to `endpoint`, "10.0.0.5:1521")
// and reads the answer, all within `timeout`; after a RESEND sends the CONNECT once more
// and judges the second answer. A REFUSE is an answer, not an error. Errors, led by
// "TNS CONNECT: ": INVALID_ARGUMENT when the descriptor cannot be built, DEADLINE_EXCEEDED
// when the listener stays silent, UNAVAILABLE when it closes or the connection fails,
// DATA_LOSS when it answers with something that is not TNS or a malformed packet;
// "stopped: ..." (the token's code) once `cancel` says stop.
absl::StatusOr<TnsEvidence> ExchangeTnsConnect(platform::Socket& socket,
                                               const std::string& endpoint,
                                               const tns::ConnectData& data, absl::Duration timeout,
                                               const CancelToken& cancel);

// The probe's step: the CONNECT for `address`'s service (this server's name in the CID),
// recorded in fingerprint.tns / tns_error / tns_note; a failed exchange leaves tns at
// kNone and says why in tns_note. The probe's own outcome does not depend on it.
void GatherTnsEvidence(platform::Socket& socket, const std::string& endpoint,
                       const OracleAddress& address, uint32_t port, absl::Duration timeout,
                       const CancelToken& cancel, Fingerprint& fingerprint);

}  // namespace osfleet::agent

// The http driver's publish (HttpSession, http_session.h): started, its messages followed
// until it finishes, aborted on an error, a warning with stop_on_warning, a cancel or the
// deadline.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "agent/service_center/http_session.h"

namespace osfleet::agent {
namespace {

std::string Describe(const PublishMessage& m) {
  return m.detail.empty() ? m.message : absl::StrCat(m.message, " (", m.detail, ")");
}

}  // namespace

// The publish request, unless it is larger than max_publish_mib: then nothing is sent.
absl::StatusOr<sc_wire::PublishAnswer> HttpSession::StartPublish(
    const std::vector<ScModule>& modules) {
  const sc_wire::PostRequest request =
      sc_wire::PublishRequest(config_.url, credentials_, config_.staging_name, modules);
  const int64_t cap = config_.max_publish_mib << 20;
  if (static_cast<int64_t>(request.body.size()) > cap) {
    return absl::ResourceExhaustedError(absl::StrCat(
        request.operation, ": the publish request for ", modules.size(), " module(s) is ",
        request.body.size(), " bytes, more than ", config_.max_publish_mib,
        " MiB (the cap service_center.max_publish_mib; raise it in the agent's config, or "
        "name fewer modules with --module); nothing was published"));
  }
  absl::StatusOr<std::string> body = Call(request, deadline_);
  if (!body.ok()) return body.status();
  return sc_wire::ParsePublishResponse(*body);
}

// publishId 0 (or none): Service Center refused the publish. Its reasons reach the
// operator as messages and in the error; there is no publication to poll or abort (a
// poll of 0 would answer "no messages, finished": a refusal reported as a success).
absl::Status HttpSession::Refused(const sc_wire::PublishAnswer& answer) {
  std::vector<std::string> reasons;
  for (const PublishMessage& m : answer.messages) {
    PhaseEvent event;
    event.kind = PhaseEvent::Kind::kMessage;
    event.message = m;
    Emit(std::move(event));
    ++result_.errors;
    reasons.push_back(Describe(m));
  }
  spdlog::warn("Service Center refused the publish ({} message(s))", reasons.size());
  return absl::FailedPreconditionError(absl::StrCat(
      "Service Center refused the publish (publishId 0 or none)",
      reasons.empty() ? " and gave no reason" : absl::StrCat(": ", absl::StrJoin(reasons, "; ")),
      "; nothing was published, polled or aborted"));
}

// Counts and reports the page's messages; the reason to abort at the first one that calls
// for it (the messages after it are not reported).
std::optional<std::string> HttpSession::Take(const sc_wire::PublishMessagesPage& page) {
  for (const PublishMessage& m : page.messages) {
    PhaseEvent event;
    event.kind = PhaseEvent::Kind::kMessage;
    event.message = m;
    Emit(std::move(event));
    if (m.type == PublishMessageType::kError) {
      ++result_.errors;
      if (first_error_.empty()) first_error_ = Describe(m);
      if (options_.abort_on_error) return absl::StrCat("error: ", Describe(m));
    } else if (m.type == PublishMessageType::kWarning) {
      ++result_.warnings;
      if (options_.stop_on_warning) return absl::StrCat("warning (stop_on_warning): ", Describe(m));
    } else {
      ++result_.infos;
    }
  }
  return std::nullopt;
}

absl::Status HttpSession::Follow(const std::string& publish_id) {
  const std::string late =
      absl::StrCat("not finished within the deadline of ", absl::FormatDuration(options_.deadline));
  int64_t after = 0;
  for (;;) {
    if (absl::Now() >= deadline_) {
      return Abort(publish_id, absl::StatusCode::kDeadlineExceeded, late);
    }
    if (absl::Status gone = options_.cancel.Check(); !gone.ok()) {
      return Abort(publish_id, gone.code(), absl::StrCat("stopped: ", gone.message()));
    }
    absl::StatusOr<std::string> body =
        Call(sc_wire::GetPublishMessagesRequest(config_.url, credentials_, publish_id, after,
                                                wire_.get_publish_messages),
             deadline_);
    absl::StatusOr<sc_wire::PublishMessagesPage> page =
        body.ok() ? sc_wire::ParsePublishMessagesResponse(*body, wire_.get_publish_messages)
                  : body.status();
    // A poll cut short by the phase deadline (curl's timeout rounds down to a millisecond,
    // so it can end just before deadline_) is the deadline, not an outage.
    if (!page.ok() && absl::Now() + kDeadlineSlack >= deadline_) {
      return Abort(publish_id, absl::StatusCode::kDeadlineExceeded, late);
    }
    if (!page.ok()) {
      return absl::Status(page.status().code(),
                          absl::StrCat(page.status().message(), " (publish ", publish_id,
                                       " may still be running in Service Center)"));
    }
    if (std::optional<std::string> reason = Take(*page)) {
      return Abort(publish_id, absl::StatusCode::kFailedPrecondition, *reason);
    }
    for (const PublishMessage& m : page->messages) after = std::max(after, m.id);
    after = page->last_message_id.value_or(after);
    if (page->finished) return Finished(publish_id);
    // A cancel is noticed at the top of the loop (and aborts the publish).
    (void)options_.cancel.SleepFor(std::min(config_.poll_interval, deadline_ - absl::Now()));
  }
}

absl::Status HttpSession::Finished(const std::string& publish_id) const {
  if (result_.errors == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("publish ", publish_id, " finished with ",
                                                    result_.errors, " error(s): ", first_error_));
}

// The abort call gets its own request_timeout: the phase deadline may have passed already.
absl::Status HttpSession::Abort(const std::string& publish_id, absl::StatusCode code,
                                const std::string& reason) {
  result_.aborted = true;
  PhaseEvent event;
  event.kind = PhaseEvent::Kind::kAborting;
  event.publish_id = publish_id;
  event.reason = reason;
  Emit(std::move(event));
  spdlog::warn("Service Center: aborting publish {}: {}", publish_id, Redact(reason));
  std::string outcome = "aborted it";
  absl::StatusOr<std::string> body =
      Call(sc_wire::PublishAbortRequest(config_.url, credentials_, publish_id, wire_.publish_abort),
           absl::Now() + config_.request_timeout);
  absl::Status aborted =
      body.ok() ? sc_wire::ParsePublishAbortResponse(*body, wire_.publish_abort) : body.status();
  if (!aborted.ok()) outcome = absl::StrCat("could not abort it: ", aborted.message());
  return absl::Status(code, absl::StrCat("publish ", publish_id, " ", reason, "; ", outcome));
}

}  // namespace osfleet::agent

#include "agent/rpc/service_center_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/rpc/proto_convert.h"
#include "agent/rpc/reactor_util.h"
#include "agent/rpc/stream_call.h"
#include "agent/service_center/phase_activity.h"
#include "common/api/status_util.h"

namespace osfleet::agent {
namespace {

v1::PublishMessageType ToProto(PublishMessageType t) {
  switch (t) {
    case PublishMessageType::kInfo:
      return v1::PUBLISH_MESSAGE_TYPE_INFO;
    case PublishMessageType::kWarning:
      return v1::PUBLISH_MESSAGE_TYPE_WARNING;
    case PublishMessageType::kError:
      return v1::PUBLISH_MESSAGE_TYPE_ERROR;
    case PublishMessageType::kPublishStop:
      return v1::PUBLISH_MESSAGE_TYPE_PUBLISH_STOP;
    case PublishMessageType::kOther:
      break;
  }
  return v1::PUBLISH_MESSAGE_TYPE_UNSPECIFIED;
}

v1::RepublishPolicy ToProto(Republish r) {
  switch (r) {
    case Republish::kOutdated:
      return v1::REPUBLISH_POLICY_OUTDATED;
    case Republish::kAll:
      return v1::REPUBLISH_POLICY_ALL;
    case Republish::kNone:
      return v1::REPUBLISH_POLICY_NONE;
  }
  return v1::REPUBLISH_POLICY_UNSPECIFIED;
}

// At most this many bytes of modules in one ModulesListed event, and of text in any field
// of an event: a client takes messages of 4 MiB at most, and a Service Center's factory
// (or a hostile one) can list 250 000 modules, or send a message of any length.
constexpr size_t kMaxListedBytes = 512 << 10;
constexpr size_t kMaxTextBytes = 64 << 10;

// `text` cut to kMaxTextBytes (on a UTF-8 boundary), saying how much was cut.
std::string Bounded(const std::string& text) {
  if (text.size() <= kMaxTextBytes) return text;
  size_t cut = kMaxTextBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(text.substr(0, cut), "… (", text.size() - cut, " more bytes not sent)");
}

void Fill(const ScModule& m, v1::ScModule* p) {
  p->set_name(Bounded(m.name));
  p->set_key(Bounded(m.key));
  p->set_kind(Bounded(m.kind));
  for (const ScStatusMessage& s : m.status_messages) {
    v1::ScStatusMessage* status = p->add_status_messages();
    status->set_id(s.id);
    status->set_message(Bounded(s.message));
  }
  p->set_flagged_because(FlagReasons(m));
}

// Adds modules to `out` while they fit in `budget` bytes; the number left out.
int FillSome(const std::vector<ScModule>& modules, size_t& budget,
             google::protobuf::RepeatedPtrField<v1::ScModule>* out) {
  for (size_t i = 0; i < modules.size(); ++i) {
    v1::ScModule one;
    Fill(modules[i], &one);
    const size_t size = one.ByteSizeLong();
    if (size > budget) return static_cast<int>(modules.size() - i);
    budget -= size;
    *out->Add() = std::move(one);
  }
  return 0;
}

void FillListed(const PhaseEvent& e, v1::ModulesListed* out) {
  // The flagged ones first: they say why; each list gets half the budget at least.
  size_t flagged_budget = kMaxListedBytes / 2;
  out->set_flagged_omitted(FillSome(e.flagged, flagged_budget, out->mutable_flagged()));
  size_t modules_budget = kMaxListedBytes / 2 + flagged_budget;
  out->set_modules_omitted(FillSome(e.modules, modules_budget, out->mutable_modules()));
  out->set_listed(e.listed);
  out->set_republish(ToProto(e.republish));
  out->set_dry_run(e.dry_run);
}

void FillApplied(const SettingsStep& s, v1::SettingsApplied* out) {
  out->set_command_line(s.command_line);
  out->set_exit_code(s.exit_code);
  out->set_timed_out(s.timed_out);
  out->set_output(Bounded(s.output));
  out->set_log_tail(Bounded(s.log_tail));
  *out->mutable_duration() = ToProtoDuration(s.duration);
  out->set_error(Bounded(s.error));
}

void FillWait(const ServiceCenterWait& w, bool answering, v1::ServiceCenterWait* out) {
  out->set_answering(answering);
  out->set_attempts(w.attempts);
  *out->mutable_waited() = ToProtoDuration(w.waited);
  out->set_last_error(Bounded(w.last_error));
}

void FillWire(const PhaseEvent& e, v1::WireInUse* out) {
  out->set_source(e.wire.source);
  out->set_note(Bounded(e.wire_note));
  for (const sc_wire::OperationWire* op :
       {&e.wire.modules_get, &e.wire.get_publish_messages, &e.wire.publish_abort}) {
    v1::WireOperation* p = out->add_operations();
    p->set_name(op->name);
    p->set_soap_version(sc_wire::SoapVersionName(op->version));
    p->set_action(op->action);
    p->set_endpoint_path(op->path);
    p->set_request_element(op->request_element);
    p->set_request_namespace(op->request_namespace);
    for (const std::string& input : op->inputs) p->add_inputs(input);
    if (!op->list_path.empty() || !op->item.empty()) {
      p->set_reply_list(absl::StrCat(absl::StrJoin(op->list_path, "/"),
                                     op->list_path.empty() ? "" : "/",
                                     op->item.empty() ? "*" : op->item));
    }
    p->set_reply_last_id(absl::StrJoin(op->last_id_path, "/"));
    p->set_reply_finished(absl::StrJoin(op->finished_path, "/"));
  }
}

v1::PhaseEvent ToProto(const PhaseEvent& e) {
  v1::PhaseEvent out;
  *out.mutable_at() = ToTimestamp(absl::Now());
  switch (e.kind) {
    case PhaseEvent::Kind::kWire:
      FillWire(e, out.mutable_wire());
      break;
    case PhaseEvent::Kind::kModulesListed:
      FillListed(e, out.mutable_modules_listed());
      break;
    case PhaseEvent::Kind::kApplyingSettings:
      out.mutable_settings_applying()->set_command_line(e.settings.command_line);
      out.mutable_settings_applying()->set_dry_run(e.settings.dry_run);
      break;
    case PhaseEvent::Kind::kSettingsApplied:
      FillApplied(e.settings, out.mutable_settings_applied());
      break;
    case PhaseEvent::Kind::kWaitingForServiceCenter:
    case PhaseEvent::Kind::kServiceCenterAnswering:
      FillWait(e.wait, e.kind == PhaseEvent::Kind::kServiceCenterAnswering,
               out.mutable_service_center_wait());
      break;
    case PhaseEvent::Kind::kPublishStarted:
      out.mutable_publish_started()->set_publish_id(e.publish_id);
      break;
    case PhaseEvent::Kind::kMessage:
      out.mutable_message()->set_type(ToProto(e.message.type));
      out.mutable_message()->set_message(Bounded(e.message.message));
      out.mutable_message()->set_detail(Bounded(e.message.detail));
      out.mutable_message()->set_id(e.message.id);
      break;
    case PhaseEvent::Kind::kAborting:
      out.mutable_aborting()->set_reason(Bounded(e.reason));
      break;
  }
  return out;
}

v1::PhaseEvent Finished(const PhaseResult& r) {
  v1::PhaseEvent out;
  *out.mutable_at() = ToTimestamp(absl::Now());
  v1::PhaseFinished* f = out.mutable_finished();
  f->set_publish_id(r.publish_id);
  f->set_modules(r.modules);
  f->set_infos(r.infos);
  f->set_warnings(r.warnings);
  f->set_errors(r.errors);
  f->set_dry_run(r.dry_run);
  f->set_aborted(r.aborted);
  f->set_settings_applied(r.settings_applied);
  f->set_listed(r.listed);
  f->set_flagged(r.flagged);
  if (r.republish.has_value()) f->set_republish(ToProto(*r.republish));
  return out;
}

// The phase's options, or INVALID_ARGUMENT for a deadline, module list or credentials out of
// bounds.
absl::StatusOr<PhaseOptions> OptionsFrom(const v1::RunPhaseRequest& request,
                                         absl::Duration default_deadline) {
  PhaseOptions o;
  o.dry_run = request.dry_run();
  o.stop_on_warning = request.stop_on_warning();
  o.abort_on_error = !request.keep_going_on_error();
  if (absl::Status s = CheckNames("modules", request.modules(), kMaxModuleNames, kMaxNameBytes);
      !s.ok()) {
    return s;
  }
  o.modules.assign(request.modules().begin(), request.modules().end());
  o.deadline = default_deadline;
  if (request.has_deadline()) {
    absl::StatusOr<absl::Duration> d =
        DurationFromProto(request.deadline(), "deadline", kPhaseDeadlineBounds);
    if (!d.ok()) return d.status();
    o.deadline = *d;
  }
  absl::StatusOr<std::map<std::string, std::string>> credentials =
      CredentialsFromProto(request.credentials(), "credentials");
  if (!credentials.ok()) return credentials.status();
  o.tool_credentials = *std::move(credentials);
  return o;
}

}  // namespace

ServiceCenterService::ServiceCenterService(PhaseDriver* driver, Lanes lanes,
                                           absl::Duration default_deadline, const CallGate* gate,
                                           ActivityBoard* activity)
    : driver_(driver),
      lanes_(lanes),
      default_deadline_(default_deadline),
      gate_(gate),
      activity_(activity) {}

absl::Status ServiceCenterService::Claim() {
  if (driver_ == nullptr) {
    return absl::FailedPreconditionError(
        "this agent does not run the Service Center phase (no `service_center` section in its "
        "config); ask the Deployment Controller's agent");
  }
  absl::MutexLock lock(&mu_);
  if (running_) {
    return absl::AbortedError("a Service Center phase is already running on this agent");
  }
  running_ = true;
  return absl::OkStatus();
}

grpc::ServerWriteReactor<v1::PhaseEvent>* ServiceCenterService::RunPhase(
    grpc::CallbackServerContext* context, const v1::RunPhaseRequest* request) {
  Admission admission = gate_->Admit(context, rpcs::kServiceCenterRunPhase);
  absl::StatusOr<PhaseOptions> options = OptionsFrom(*request, default_deadline_);
  // A credential the Apply Settings step names but the request lacks makes a bad request
  // (the message names it, never a value).
  if (options.ok() && driver_ != nullptr) {
    if (absl::Status s = driver_->CheckCredentials(*options); !s.ok()) options = s;
  }
  // A bad request, or a second phase, is refused here, at once, rather than queued behind
  // the running one.
  if (admission.status.ok()) {
    admission.status = options.ok() ? Claim() : options.status();
    admission.audit_refusal = !admission.status.ok();
  }
  PhaseOptions phase;  // a refused call's: never run
  if (admission.status.ok()) {
    phase = *std::move(options);
    phase.cancel = CallCancelToken(context);
    phase.activity = activity_;
  }
  return StreamOnLane<v1::PhaseEvent>(
      context, lanes_, std::move(admission), absl::OkStatus(),
      [this, phase = std::move(phase)](auto* stream, absl::Status start,
                                       AuditRecord* audit) mutable {
        absl::Status status = Run(phase, stream, start, audit);
        phase.tool_credentials.clear();  // this phase's only: gone with it
        return status;
      });
}

void ServiceCenterService::Release() {
  absl::MutexLock lock(&mu_);
  running_ = false;
}

// The audit line records the outcome and publish id only: never the Service Center
// credentials (they stay in the driver's config) nor the messages' details.
absl::Status ServiceCenterService::Run(const PhaseOptions& options,
                                       EventStream<v1::PhaseEvent>* stream, absl::Status start,
                                       AuditRecord* audit) {
  audit->details = {{"dry_run", options.dry_run ? "true" : "false"}};
  if (!options.tool_credentials.empty()) audit->details.push_back({"credentials", "supplied"});
  absl::Status status = start;
  if (status.ok()) {
    PhaseActivity activity(options.dry_run ? nullptr : activity_);
    absl::StatusOr<PhaseResult> result =
        driver_->Run(options, [stream, &activity](const PhaseEvent& e) {
          activity.On(e);
          stream->Push(ToProto(e));
        });
    if (result.ok()) {
      stream->Push(Finished(*result));
      audit->details.push_back({"publish_id", result->publish_id});
      audit->details.push_back({"aborted", result->aborted ? "true" : "false"});
      audit->details.push_back({"settings_applied", result->settings_applied ? "true" : "false"});
    }
    status = result.status();
  }
  Release();  // before the stream ends: the client may start the next phase at once
  return status;
}

}  // namespace osfleet::agent

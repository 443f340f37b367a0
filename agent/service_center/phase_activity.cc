#include "agent/service_center/phase_activity.h"

#include "absl/strings/str_cat.h"

namespace osfleet::agent {

PhaseActivity::PhaseActivity(ActivityBoard* board)
    : scope_(BeginActivity(board, kStepServiceCenter, "")), step_(kStepServiceCenter) {}

void PhaseActivity::On(const PhaseEvent& e) {
  switch (e.kind) {
    case PhaseEvent::Kind::kApplyingSettings:
      if (!e.settings.dry_run) {
        step_ = kStepApplySettings;
        scope_.SetStep(step_, e.settings.command_line);
      }
      return;
    case PhaseEvent::Kind::kWaitingForServiceCenter:
      if (step_ != kStepServiceCenterWait) {  // the wait's first event starts it
        step_ = kStepServiceCenterWait;
        scope_.SetStep(step_, e.wait.last_error);
      } else {
        scope_.SetDetail(e.wait.last_error);
      }
      return;
    case PhaseEvent::Kind::kPublishStarted:
      step_ = kStepPublish;
      scope_.SetStep(step_, absl::StrCat("publish ", e.publish_id));
      return;
    case PhaseEvent::Kind::kSettingsApplied:
    case PhaseEvent::Kind::kServiceCenterAnswering:
      step_ = kStepServiceCenter;
      scope_.SetStep(step_, "");
      return;
    default:
      return;
  }
}

}  // namespace osfleet::agent

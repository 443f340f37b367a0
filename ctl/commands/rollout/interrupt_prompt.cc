#include "ctl/commands/rollout/interrupt_prompt.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/platform/interrupt.h"
#include "common/platform/live_terminal.h"
#include "common/text/escape.h"

namespace osfleet::ctl {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(100);

// "Configuration Tool run", "service restart", ... for a step name.
std::string StepWords(const std::string& step) {
  if (step == "ConfigurationTool") return "Configuration Tool run";
  if (step == "ServiceRestart") return "service restart";
  if (step == "Rollback") return "rollback";
  if (step == "ServiceCenter") return "Service Center phase";
  return "change";
}

const char kStopping[] =
    "osctl: stopping. The step in progress finishes first (nothing is cut off half-way); then "
    "every server this rollout changed is rolled back to the old address. Press Ctrl-C again "
    "to see why it waits.\n";
const char kStillWaiting[] =
    "\nosctl: still waiting for the step in progress. Leaving now abandons servers in the "
    "middle of their change: their agents put them back by themselves once their lease "
    "(--lease) ends, but no summary is printed and `osctl rollout status` is the only way to "
    "see the result. Press Ctrl-C once more to leave anyway.\n";

}  // namespace

void ObserveRolloutEvent(RolloutActivity& a, const RolloutEvent& e) {
  if (!e.progress.has_value() || e.server.empty()) return;
  const StepProgress& p = *e.progress;
  if (p.state == "start" || p.state == "heartbeat") {
    if (p.state == "start" || a.running.count(e.server) > 0) a.running[e.server] = p.step;
    return;
  }
  a.running.erase(e.server);
  const bool changes = p.step == "ConfigurationTool" || p.step == "Change";
  if (p.state == "done" && changes &&
      std::find(a.changed.begin(), a.changed.end(), e.server) == a.changed.end()) {
    a.changed.push_back(e.server);
  }
  if (p.step == "Rollback" && p.state == "done") {
    a.changed.erase(std::remove(a.changed.begin(), a.changed.end(), e.server), a.changed.end());
  }
}

std::string InterruptQuestion(const RolloutActivity& a) {
  std::vector<std::string> going_on;
  std::vector<std::string> back = a.changed;
  bool rolling_back = false;
  bool service_center = false;
  for (const auto& [server, step] : a.running) {
    going_on.push_back(absl::StrCat(EscapeControls(server), "'s ", StepWords(step)));
    rolling_back |= step == "Rollback";
    service_center |= step == "ServiceCenter";
    if (step != "ServiceCenter" && step != "Rollback" &&
        std::find(back.begin(), back.end(), server) == back.end()) {
      back.push_back(server);  // its change may be written by the time the step ends
    }
  }
  std::string q;
  if (!going_on.empty()) {
    absl::StrAppend(&q, absl::StrJoin(going_on, ", "), going_on.size() == 1 ? " goes" : " go",
                    " on on the server; then ");
  }
  if (service_center) {
    absl::StrAppend(&q,
                    "osctl stops: every server is confirmed on the new address already, "
                    "nothing is rolled back. Stop?");
  } else if (rolling_back) {
    absl::StrAppend(&q, "osctl finishes the rollback. Stop?");
  } else if (back.empty()) {
    absl::StrAppend(&q, "osctl stops; no server was changed. Stop?");
  } else {
    for (std::string& s : back) s = EscapeControls(s);
    absl::StrAppend(&q, "osctl puts ", absl::StrJoin(back, ", "),
                    " back on the old address. Roll back?");
  }
  return q;
}

InterruptPrompt::InterruptPrompt(std::atomic<bool>* flag, std::atomic<int>* requests,
                                 Console* console)
    : flag_(flag), requests_(requests), console_(console) {}

InterruptPrompt::~InterruptPrompt() { Stop(); }

void InterruptPrompt::Start() {
  if (started_) return;
  started_ = true;
  {
    absl::MutexLock lock(&mu_);
    handled_ = requests_->load();
  }
  platform::CountInterrupts(requests_);
  thread_ = std::thread([this] { Loop(); });
}

void InterruptPrompt::Stop() {
  if (!started_) return;
  started_ = false;
  stop_.Notify();
  thread_.join();
}

void InterruptPrompt::Observe(const RolloutEvent& e) {
  absl::MutexLock lock(&mu_);
  ObserveRolloutEvent(activity_, e);
}

void InterruptPrompt::WaitWhileAsking() {
  absl::MutexLock lock(&mu_);
  // A request not yet seen by the thread counts as a question about to open.
  auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_.HasBeenNotified() ||
           (!asking_ && (flag_->load() || requests_->load() <= handled_));
  };
  mu_.Await(absl::Condition(&settled));
}

void InterruptPrompt::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(kPoll)) {
    int request = 0;
    {
      absl::MutexLock lock(&mu_);  // also wakes WaitWhileAsking to look again
      if (requests_->load() <= handled_) continue;
      handled_ = request = requests_->load();
    }
    if (flag_->load()) {
      AfterStop(request);
    } else {
      Ask();
    }
  }
}

void InterruptPrompt::Ask() {
  std::string question;
  int asked_at = 0;
  {
    absl::MutexLock lock(&mu_);
    asking_ = true;
    question = InterruptQuestion(activity_);
    asked_at = handled_;
  }
  console_->Ask(absl::StrCat("\nosctl: Ctrl-C: ", question, " [y/N] (Ctrl-C again: yes) "));
  bool again = false;
  std::optional<std::string> line = platform::ReadLineUnless([&] {
    again = requests_->load() > asked_at;
    return again || stop_.HasBeenNotified();
  });
  const std::string word =
      line.has_value() ? absl::AsciiStrToLower(absl::StripAsciiWhitespace(*line)) : "";
  const bool yes = again || word == "y" || word == "yes";
  console_->Answered(line.has_value() ? "" : "\n");  // no Enter typed: end the question's line
  if (yes) {
    flag_->store(true);
    console_->Err(kStopping);
  } else if (!stop_.HasBeenNotified()) {
    console_->Err("osctl: going on with the rollout (Ctrl-C asks again).\n");
  }
  absl::MutexLock lock(&mu_);
  handled_ = requests_->load();
  asking_ = false;
}

void InterruptPrompt::AfterStop(int /*request*/) {
  if (++after_stop_ == 1) {
    console_->Err(kStillWaiting);
    return;
  }
  platform::EndAsInterrupted();
}

}  // namespace osfleet::ctl

// The order a streaming call keeps from admission to the end of its stream (stream_call.h),
// on a real call gate, audit log and lanes, with a stream that records what it saw when it
// was closed: a refusal is on the record before the stream ends; an admitted call's line is
// written and its slot freed before the stream ends; a bad request or a client that gave
// up never starts the work.
#include "agent/rpc/stream_call.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::FakeClock;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Caller kViewer{"alice", ClientRole::kViewer};
const Caller kOperator{"bob", ClientRole::kOperator};

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
}

// Records, when it is closed, the status and what the audit log and the limiter held then.
class RecordingStream {
 public:
  RecordingStream(const AuditLog* audit, const CallLimiter* limiter)
      : audit_(audit), limiter_(limiter) {}

  void Push(std::string event) { events.push_back(std::move(event)); }
  void Close(grpc::Status status) {
    closed_with = std::move(status);
    lines_at_close = Lines(audit_->path());
    in_flight_at_close = limiter_->in_flight();
    closed.Notify();
  }
  bool WaitClosed() { return closed.WaitForNotificationWithTimeout(absl::Seconds(10)); }

  std::vector<std::string> events;
  grpc::Status closed_with;
  std::vector<std::string> lines_at_close;
  int in_flight_at_close = -1;
  absl::Notification closed;

 private:
  const AuditLog* audit_;
  const CallLimiter* limiter_;
};

class StreamCallTest : public ::testing::Test {
 protected:
  StreamCallTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             absl::StrCat("stream_call_test.",
                          ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".",
                          std::random_device()())),
        made_dir_(std::filesystem::create_directories(dir_)),
        audit_((dir_ / "audit.log").string()),
        limiter_(CallLimits{4, 0, 4, 4, 4, 4}),
        gate_(Authorizer(Transport::kMutualTls), &limiter_, &audit_, absl::Seconds(5), &clock_),
        other_lane_(1),
        control_lane_(1),
        stream_(&audit_, &limiter_) {
    lanes_.critical = lanes_.rollback = lanes_.changes = lanes_.probes = &other_lane_;
    lanes_.viewer_probes = lanes_.phase = lanes_.checks = &other_lane_;
    lanes_.control = &control_lane_;
  }
  ~StreamCallTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Serves the call and waits for its stream to end.
  template <typename Run>
  void Serve(Admission admission, bool cancelled, absl::Status checked, Run run) {
    ServeStream(
        &stream_, lanes_, std::move(admission), [cancelled] { return cancelled; },
        std::move(checked), std::move(run));
    ASSERT_TRUE(stream_.WaitClosed());
  }

  std::filesystem::path dir_;
  bool made_dir_;
  FakeClock clock_;
  AuditLog audit_;
  CallLimiter limiter_;
  CallGate gate_;
  Executor other_lane_;
  Executor control_lane_;
  Lanes lanes_;
  RecordingStream stream_;
};

TEST_F(StreamCallTest, ARefusedCallIsOnTheRecordBeforeItsStreamEndsAndNeverRuns) {
  int runs = 0;
  Serve(gate_.Admit("ipv4:10.0.0.5:1", kViewer, rpcs::kServicesControl), false, absl::OkStatus(),
        [&runs](RecordingStream*, absl::Status, AuditRecord*) {
          ++runs;
          return absl::OkStatus();
        });
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(stream_.closed_with.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_THAT(stream_.lines_at_close, SizeIs(1));
  EXPECT_THAT(stream_.lines_at_close[0], HasSubstr("\"rpc\":\"Services.Control\""));
  EXPECT_THAT(stream_.lines_at_close[0], HasSubstr("PERMISSION_DENIED"));
}

TEST_F(StreamCallTest, AnAdmittedCallRunsOnItsLaneThenIsAuditedAndFreesItsSlotBeforeTheEnd) {
  std::thread::id control_thread;
  absl::Notification asked;
  control_lane_.Post([&] {
    control_thread = std::this_thread::get_id();
    asked.Notify();
  });
  asked.WaitForNotification();
  std::thread::id ran_on;
  Serve(gate_.Admit("ipv4:10.0.0.5:1", kOperator, rpcs::kServicesControl), false, absl::OkStatus(),
        [&](RecordingStream* stream, absl::Status start, AuditRecord* audit) {
          ran_on = std::this_thread::get_id();
          EXPECT_TRUE(start.ok()) << start;
          EXPECT_EQ(limiter_.in_flight(), 1);  // its slot, held while it runs
          stream->Push("restarting");
          audit->details = {{"action", "SERVICE_ACTION_RESTART"}};
          return absl::AbortedError("the service did not stay up");
        });
  EXPECT_EQ(ran_on, control_thread);
  EXPECT_THAT(stream_.events, ::testing::ElementsAre("restarting"));
  EXPECT_EQ(stream_.closed_with.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(stream_.closed_with.error_message(), "the service did not stay up");
  EXPECT_EQ(stream_.in_flight_at_close, 0);
  ASSERT_THAT(stream_.lines_at_close, SizeIs(1));
  EXPECT_THAT(stream_.lines_at_close[0], HasSubstr("\"identity\":\"bob\""));
  EXPECT_THAT(stream_.lines_at_close[0], HasSubstr("SERVICE_ACTION_RESTART"));
  EXPECT_THAT(stream_.lines_at_close[0], HasSubstr("ABORTED: the service did not stay up"));
}

TEST_F(StreamCallTest, ABadRequestDoesNotStartButIsAuditedWhateverTheClientDid) {
  absl::Status seen;
  // cancelled: the request's own fault is what the client hears, not the cancellation.
  Serve(gate_.Admit("p", kOperator, rpcs::kServicesControl), /*cancelled=*/true,
        absl::InvalidArgumentError("action: must be START, STOP or RESTART"),
        [&seen](RecordingStream*, absl::Status start, AuditRecord*) {
          seen = start;
          return start;
        });
  EXPECT_TRUE(absl::IsInvalidArgument(seen)) << seen;
  EXPECT_EQ(stream_.closed_with.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(stream_.in_flight_at_close, 0);
  ASSERT_THAT(stream_.lines_at_close, SizeIs(1));
  EXPECT_THAT(stream_.lines_at_close[0], HasSubstr("INVALID_ARGUMENT"));
}

TEST_F(StreamCallTest, ACallWhoseClientGaveUpDoesNotStart) {
  absl::Status seen;
  Serve(gate_.Admit("p", kOperator, rpcs::kServiceCenterRunPhase), /*cancelled=*/true,
        absl::OkStatus(), [&seen](RecordingStream*, absl::Status start, AuditRecord*) {
          seen = start;
          return start;
        });
  EXPECT_TRUE(absl::IsCancelled(seen)) << seen;
  EXPECT_EQ(stream_.closed_with.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_THAT(stream_.lines_at_close, SizeIs(1));
}

// Whether a line is written is the row's to say: a read leaves none.
TEST_F(StreamCallTest, ARowThatIsNotAuditedLeavesNoLine) {
  Serve(gate_.Admit("p", kViewer, rpcs::kEndpointsGet), false, absl::OkStatus(),
        [](RecordingStream*, absl::Status start, AuditRecord*) { return start; });
  EXPECT_TRUE(stream_.closed_with.ok());
  EXPECT_EQ(stream_.in_flight_at_close, 0);
  EXPECT_THAT(stream_.lines_at_close, IsEmpty());
}

}  // namespace
}  // namespace osfleet::agent

// Which targets a Probe checks (one per database, repeats once, the port-scan form
// refused), the bounds on its timeout, the runner on a fixed lane (a call's targets are
// tasks there; those of a call that ended are not probed), and the probe itself stopping
// for its client and its call's deadline.
#include "agent/probe/probe_targets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/fakes/fake_sqlserver.h"
#include "tests/support/status_matchers.h"

namespace osfleet::agent {
namespace {

using fakes::FakeSqlServer;
using ::testing::HasSubstr;

HsconfDocument Doc() {
  std::ifstream in(absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/sqlserver-dc.hsconf"),
                   std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(bytes.str());
  EXPECT_OK(doc);
  return *std::move(doc);
}

TEST(ChooseProbeTargetsTest, NoneRequestedIsTheFilesCurrentAddresses) {
  const HsconfDocument doc = Doc();
  absl::StatusOr<std::vector<ProbeTarget>> t = ChooseProbeTargets(doc, {});
  ASSERT_OK(t);
  ASSERT_EQ(t->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*t)[i].database, kAllDatabases[i]);
    EXPECT_EQ((*t)[i].address, doc.section(kAllDatabases[i]).address);
  }
}

TEST(ChooseProbeTargetsTest, RepeatsAreProbedOnceInOrder) {
  absl::StatusOr<std::vector<ProbeTarget>> t =
      ChooseProbeTargets(Doc(), {{DatabaseId::kSession, "s"},
                                 {DatabaseId::kPlatform, "p"},
                                 {DatabaseId::kSession, "s"},
                                 {DatabaseId::kPlatform, "p"}});
  ASSERT_OK(t);
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].address, "s");
  EXPECT_EQ((*t)[1].address, "p");
}

TEST(ChooseProbeTargetsTest, TwoAddressesForOneDatabaseAreRefused) {
  absl::StatusOr<std::vector<ProbeTarget>> t = ChooseProbeTargets(
      Doc(), {{DatabaseId::kLogging, "db,1433"}, {DatabaseId::kLogging, "db,1434"}});
  EXPECT_TRUE(absl::IsInvalidArgument(t.status()));
  EXPECT_EQ(t.status().message(),
            "targets[1]: a second address for the log database ('db,1434'; targets[0] is "
            "'db,1433'); Probe checks one address per database");
}

TEST(ProbeTimeoutTest, ZeroIsTheDefaultAndTheRestMustBeInBounds) {
  EXPECT_EQ(*ProbeTimeout(absl::ZeroDuration(), absl::Seconds(3)), absl::Seconds(3));
  EXPECT_EQ(*ProbeTimeout(absl::Milliseconds(10), absl::Seconds(3)), absl::Milliseconds(10));
  EXPECT_EQ(*ProbeTimeout(absl::Seconds(30), absl::Seconds(3)), absl::Seconds(30));
  EXPECT_EQ(ProbeTimeout(absl::Seconds(31), absl::Seconds(3)).status().message(),
            "timeout: must be between 10ms and 30s per step, got 31s");
  EXPECT_EQ(ProbeTimeout(absl::Milliseconds(9), absl::Seconds(3)).status().message(),
            "timeout: must be between 10ms and 30s per step, got 9ms");
  EXPECT_TRUE(absl::IsInvalidArgument(ProbeTimeout(-absl::Seconds(1), absl::Seconds(3)).status()));
}

std::string Local(uint16_t port) { return absl::StrCat("127.0.0.1,", port); }

// Runs `targets` and waits for done; the results.
std::vector<ProbeTargetResult> RunAndWait(const ProbeRunner& runner, bool viewer,
                                          std::vector<ProbeTarget> targets, ProbeOptions options) {
  absl::Notification finished;
  std::vector<ProbeTargetResult> out;
  std::atomic<int> calls{0};
  runner.Run(viewer, Doc(), std::move(targets), std::move(options),
             [&](std::vector<ProbeTargetResult> results) {
               out = std::move(results);
               ++calls;
               finished.Notify();
             });
  EXPECT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(calls.load(), 1);
  return out;
}

TEST(ProbeRunnerTest, EveryTargetRunsOnTheCallersLaneAndAnswersOnce) {
  FakeSqlServer fake;
  FakeSqlServer::Options fo;
  ASSERT_OK(fake.Start(fo));
  Executor operators(1), viewers(1);
  ProbeRunner runner(&operators, &viewers, 4);
  // The operators' lane is busy: a viewer's probe does not wait for it.
  absl::Notification release;
  operators.Post([&] { release.WaitForNotification(); });
  std::vector<ProbeTargetResult> results =
      RunAndWait(runner, /*viewer=*/true,
                 {{DatabaseId::kPlatform, Local(fake.tcp_port())},
                  {DatabaseId::kSession, Local(fake.tcp_port())}},
                 ProbeOptions());
  release.Notify();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].database, DatabaseId::kPlatform);
  EXPECT_EQ(results[1].database, DatabaseId::kSession);
  for (const ProbeTargetResult& r : results) EXPECT_TRUE(r.outcome.ok) << r.outcome.error;
  EXPECT_EQ(fake.prelogins_answered(), 2);
}

TEST(ProbeRunnerTest, TargetsOfACallThatEndedAreNotProbed) {
  FakeSqlServer fake;
  ASSERT_OK(fake.Start(FakeSqlServer::Options()));
  Executor operators(1), viewers(1);
  ProbeRunner runner(&operators, &viewers, 4);
  ProbeOptions cancelled;
  cancelled.cancel = CancelToken([] { return true; }, absl::InfiniteFuture());
  std::vector<ProbeTargetResult> results =
      RunAndWait(runner, false, {{DatabaseId::kPlatform, Local(fake.tcp_port())}}, cancelled);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome.error, "stopped before it started: the client cancelled the call");
  ProbeOptions late;
  late.deadline = absl::Now() - absl::Seconds(1);
  results = RunAndWait(runner, false, {{DatabaseId::kPlatform, Local(fake.tcp_port())}}, late);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome.error, "stopped before it started: the call's time limit passed");
  EXPECT_EQ(fake.connections_accepted(), 0);
}

SqlServerAddress SilentAt(uint16_t port) {
  SqlServerAddress a;
  a.host = "127.0.0.1";
  a.port = port;
  return a;
}

TEST(ProbeStopTest, ASilentServerIsLeftOnceTheClientCancels) {
  FakeSqlServer fake;
  FakeSqlServer::Options fo;
  fo.mode = FakeSqlServer::Mode::kSilent;
  ASSERT_OK(fake.Start(fo));
  ProbeOptions options;
  options.timeout = absl::Seconds(20);
  const absl::Time cancel_at = absl::Now() + absl::Milliseconds(300);
  options.cancel =
      CancelToken([cancel_at] { return absl::Now() >= cancel_at; }, absl::InfiniteFuture());
  const absl::Time start = absl::Now();
  const ProbeOutcome out = ProbeSqlServer(SilentAt(fake.tcp_port()), options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(out.failed_step, ProbeStepId::kTdsPrelogin);
  EXPECT_EQ(out.error, "stopped: the client cancelled the call");
}

TEST(ProbeStopTest, NoStepRunsPastTheCallsDeadline) {
  FakeSqlServer fake;
  FakeSqlServer::Options fo;
  fo.mode = FakeSqlServer::Mode::kSilent;
  ASSERT_OK(fake.Start(fo));
  ProbeOptions options;
  options.timeout = absl::Seconds(20);
  options.deadline = absl::Now() + absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  const ProbeOutcome out = ProbeSqlServer(SilentAt(fake.tcp_port()), options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(out.failed_step, ProbeStepId::kTdsPrelogin);
  EXPECT_THAT(out.error, HasSubstr("did not answer within"));
}

TEST(ProbeStopTest, NameLookupsBeyondTheBudgetAreRefused) {
  ProbeOptions options;
  options.dns = std::make_shared<DnsBudget>(2);
  options.dns->in_flight = 2;  // two lookups left behind by earlier probes
  SqlServerAddress a;
  a.host = "db.example.invalid";
  const ProbeOutcome out = ProbeSqlServer(a, options);
  EXPECT_EQ(out.failed_step, ProbeStepId::kDns);
  EXPECT_THAT(out.error, HasSubstr("DNS: 2 name lookups are already in progress on this agent"));
  EXPECT_EQ(options.dns->in_flight.load(), 2);
  // IP literals need no lookup.
  EXPECT_NE(ProbeSqlServer(SilentAt(1), options).failed_step, ProbeStepId::kDns);
}

}  // namespace
}  // namespace osfleet::agent

// `osctl sc run` against a Service Center that answers too much: a module list over
// service_center.max_modules or max_answer_mib is refused before any publish, a large
// one is summarised, an oversized publish request is never sent, and an endless
// publication is cut off by osctl (its memory stays bounded) and aborted by the agent.
#include "tests/integration/sc_run_fixture.h"

namespace osfleet::testing {
namespace {

// Issue 26, finding 8: a Modules_Get answer of 250 000 modules (33 MB from the fake) made
// one 59 MB event that broke osctl at gRPC's 4 MiB limit, while the agent went on to
// start a 27 MB publication. Now the agent refuses the list at service_center.max_modules
// (20 000 by default) before any publish call, and osctl shows why.
TEST_F(ScRunTest, AHugeModulesGetAnswerIsRefusedBeforeAnyPublish) {
  ScSetup setup;
  setup.fake_args = {"--modules", "250000"};
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("RESOURCE_EXHAUSTED")) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Service Center listed 250000 modules, more than 20000 (the cap "
                               "service_center.max_modules"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published")) << r.out;
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("larger than max")));  // gRPC's 4 MiB error
  EXPECT_EQ(Count("Modules_Get"), 1);
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

// An answer over max_answer_mib is not even read to its end.
TEST_F(ScRunTest, AnAnswerOverMaxAnswerMibIsRefusedBeforeAnyPublish) {
  ScSetup setup;
  setup.fake_args = {"--modules", "20000"};  // ~2.6 MB
  setup.sc_keys = "  max_answer_mib: 1\n";
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("the answer is over 1 MiB; stopped reading it (the cap "
                               "service_center.max_answer_mib"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

TEST_F(ScRunTest, MoreModulesThanMaxModulesAreRefusedBeforeAnyPublish) {
  ScSetup setup;
  setup.fake_args = {"--modules", "60"};
  setup.sc_keys = "  max_modules: 50\n";
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Service Center listed 60 modules, more than 50 (the cap "
                               "service_center.max_modules"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published"));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);
}

// 60 000 modules within raised caps: the list event is cut to well under 4 MiB (on main
// it was ~7 MB: osctl failed with gRPC's limit) and says how many it left out; the
// publish request is over max_publish_mib, so it is never sent.
TEST_F(ScRunTest, ALargeListIsSummarisedAndAnOversizedPublishIsNotSent) {
  ScSetup setup;
  setup.fake_args = {"--modules", "60000"};
  setup.sc_keys = "  max_modules: 100000\n  max_publish_mib: 1\n";
  Start(setup);
  ProcessResult r = Sc({});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("60000 of 60000 module(s) to republish")) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("more than 1 MiB (the cap service_center.max_publish_mib")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("nothing was published"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("larger than max")));
  EXPECT_EQ(Count("Staging_PublishWith2StepOption"), 0);

  ProcessResult json = Sc({"--dry-run", "--output", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.out << json.err;
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  bool listed = false;
  for (const auto& e : doc["events"]) {
    if (!e.contains("modulesListed")) continue;
    listed = true;
    const auto& l = e["modulesListed"];
    EXPECT_GT(l["modulesOmitted"].get<int>(), 0);
    EXPECT_EQ(l["modules"].size() + l["modulesOmitted"].get<size_t>(), 60000u);
  }
  EXPECT_TRUE(listed) << json.out.substr(0, 2000);
}

// Issue 26, finding 7: a publication that never finishes but keeps sending messages took
// osctl to 1.1 GB in 150 s. Now osctl stops at its per-stream cap, stays small, and the
// agent (its client gone) aborts the publication.
TEST_F(ScRunTest, AnEndlessPublicationIsCutOffByOsctlAndAborted) {
  ScSetup setup;
  setup.mode = "endless";
  setup.fake_args = {"--messages-per-poll", "2000"};
  Start(setup);
  const MeasuredRun run =
      RunOsctlMeasured({"--inventory", inventory_, "--insecure", "sc", "run", "--deadline", "60s"},
                       tmp_.Sub("osctl.out"));
  const std::string tail =
      run.output.substr(run.output.size() > 2000 ? run.output.size() - 2000 : 0);
  EXPECT_EQ(run.exit_code, 1) << tail;
  EXPECT_THAT(run.output, HasSubstr("agent dc01 sent more than 100000 events in one stream; "
                                    "stopped"))
      << tail;
  EXPECT_LT(run.max_rss_kib, kOsctlMemoryBoundKiB)
      << "osctl peaked at " << run.max_rss_kib << " KiB";
  EXPECT_THAT(run.output, Not(HasSubstr(kHash)));
  EXPECT_TRUE(WaitFor([&] { return Count("SolutionPack_PublishAbort") == 1; }, absl::Seconds(20)))
      << ReadFile(agent_->log());
}

}  // namespace
}  // namespace osfleet::testing

// What a change moves where: the words of the prompts, the summary and `rollout status`,
// the JSON, the plan lines, and a rollout's progress.
#include "ctl/output/moves.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::ctl {
namespace {

HostRecord Host(const std::string& name, int batch, HostState state, const std::string& platform) {
  HostRecord h;
  h.name = name;
  h.batch = batch;
  h.state = state;
  h.old_addresses = {{"platform", platform}, {"log", "SQLLOG01"}, {"session", "SQLSESS01"}};
  return h;
}

Journal TwoDatabases() {
  Journal j;
  j.id = "20261206-231000-abcd";
  j.options.platform = "sqlnew01,1433";
  j.options.session = "sqlsess02";
  j.batches = 3;
  j.hosts = {Host("dc01", 0, HostState::kConfirmed, "SQLPROD01"),
             Host("fe01", 1, HostState::kPending, "SQLPROD01"),
             Host("fe02", 2, HostState::kPlanned, "SQLPROD01"),
             Host("fe03", 2, HostState::kRolledBack, "SQLPROD01")};
  return j;
}

TEST(MovesTest, NamesEachMovedDatabaseFromOldToNew) {
  const std::vector<DatabaseMove> moves = MovesOf(TwoDatabases());
  EXPECT_EQ(MovesText(moves), "Platform SQLPROD01 → sqlnew01,1433, Session SQLSESS01 → sqlsess02");
  EXPECT_EQ(MoveQuestion(5, moves),
            "Move 5 servers: Platform SQLPROD01 → sqlnew01,1433, Session SQLSESS01 → "
            "sqlsess02? [y/N] ");
  EXPECT_EQ(MoveQuestion(1, moves).rfind("Move 1 server: ", 0), 0u);
}

TEST(MovesTest, ServersThatDisagreeShowEveryOldAddress) {
  Journal j = TwoDatabases();
  j.hosts[2].old_addresses["platform"] = "SQLPROD02";
  EXPECT_EQ(MovesText(MovesOf(j)),
            "Platform SQLPROD01 | SQLPROD02 → sqlnew01,1433, Session SQLSESS01 → sqlsess02");
  j.hosts.clear();  // nothing known of the servers yet
  EXPECT_EQ(MovesText(MovesOf(j)), "Platform → sqlnew01,1433, Session → sqlsess02");
}

TEST(MovesTest, ControlCharactersFromAnAgentAreShownNotObeyed) {
  Journal j = TwoDatabases();
  j.hosts[0].old_addresses["platform"] = "SQL\x1b]0;owned\aPROD";
  EXPECT_EQ(MovesText(MovesOf(j)).find('\x1b'), std::string::npos);
  EXPECT_NE(MovesText(MovesOf(j)).find("SQL\\u001b]0;owned\\u0007PROD"), std::string::npos);
}

TEST(MovesTest, JsonHasFromAndToPerMovedDatabaseOnly) {
  const nlohmann::json json = MovesJson(MovesOf(TwoDatabases()));
  EXPECT_EQ(json["platform"]["from"], nlohmann::json::array({"SQLPROD01"}));
  EXPECT_EQ(json["platform"]["to"], "sqlnew01,1433");
  EXPECT_EQ(json["session"]["to"], "sqlsess02");
  EXPECT_FALSE(json.contains("log"));
}

TEST(MovesTest, CurrentAddressesComeFromTheServersThatAnswered) {
  v1::EndpointChange change;
  change.set_database(v1::DATABASE_LOGGING);
  change.set_address("sqllog02");
  std::vector<HostReply<v1::GetEndpointsResponse>> now(2);
  v1::Endpoint* e = now[0].response.add_endpoints();
  e->set_database(v1::DATABASE_LOGGING);
  e->set_address("SQLLOG01");
  now[1].status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
  EXPECT_EQ(MovesText(MovesOf({change}, now)), "Log SQLLOG01 → sqllog02");
}

TEST(MovesTest, DiffsSayWhichFieldGoesFromWhatToWhat) {
  v1::PlanEndpointsResponse plan;
  EXPECT_EQ(DiffsText(plan.diffs()), "no change (already at the new addresses)");
  v1::FieldDiff* d = plan.add_diffs();
  d->set_database(v1::DATABASE_PLATFORM);
  d->set_element("Server");
  d->set_old_value("SQLPROD01");
  d->set_new_value("sqlnew01,1433");
  d = plan.add_diffs();
  d->set_database(v1::DATABASE_SESSION);
  d->set_element("Server");
  d->set_old_value("SQLSESS01");
  d->set_new_value("sqlsess02");
  EXPECT_EQ(DiffsText(plan.diffs()),
            "platform Server SQLPROD01 → sqlnew01,1433, session Server SQLSESS01 → sqlsess02");
}

TEST(MovesTest, ProgressSaysWhatIsDoneAndWhatIsLeft) {
  Journal j = TwoDatabases();
  EXPECT_EQ(ProgressText(j),
            "done: 2 of 4 servers (dc01, fe01), batches 1, 2 of 3; left: fe02, fe03 (batch 3)");
  for (HostRecord& h : j.hosts) h.state = HostState::kPlanned;
  EXPECT_EQ(ProgressText(j),
            "done: 0 of 4 servers; left: dc01, fe01, fe02, fe03 (batches 1, 2, 3)");
  for (HostRecord& h : j.hosts) h.state = HostState::kConfirmed;
  EXPECT_EQ(ProgressText(j),
            "done: 4 of 4 servers (dc01, fe01, fe02, fe03), batches 1, 2, 3 of 3; nothing left to "
            "change");
}

}  // namespace
}  // namespace osfleet::ctl

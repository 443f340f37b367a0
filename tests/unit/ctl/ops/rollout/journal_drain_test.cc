// The journal's record of the last drain check (journal.h DrainCheck): written and read back
// as it was, absent in an older journal, and checked like every other field when read.
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ctl/ops/rollout/journal.h"
#include "ctl/ops/rollout/journal_check.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace osfleet::ctl {
namespace {

using ::testing::HasSubstr;

class JournalDrainTest : public ::testing::Test {
 protected:
  JournalDrainTest() { setenv("OSFLEET_STATE_DIR", dir_.path().c_str(), 1); }
  ~JournalDrainTest() override { unsetenv("OSFLEET_STATE_DIR"); }

  Journal Finished() {
    Journal j;
    j.id = "20261207-020000-d001";
    j.path = RolloutDir() + "/" + j.id + ".json";
    j.created = absl::FromUnixSeconds(1796000000);
    j.options.platform = "db-new,1433";
    j.phase = RolloutPhase::kDone;
    j.batches = 1;
    HostRecord h;
    h.name = "fe01";
    h.role = "front_end";
    h.old_addresses = {{"platform", "db-old,1433"}};
    h.state = HostState::kConfirmed;
    j.hosts.push_back(h);
    return j;
  }
  nlohmann::json File(const Journal& j) {
    std::stringstream text;
    text << std::ifstream(j.path).rdbuf();
    return nlohmann::json::parse(text.str());
  }
  void Write(const Journal& j, const nlohmann::json& doc) {
    std::ofstream(j.path, std::ios::trunc) << doc.dump();
  }

  osfleet::testing::TempDir dir_;
};

TEST_F(JournalDrainTest, TheLastCheckIsReadBackAsItWasWritten) {
  Journal j = Finished();
  j.drain.checked = absl::FromUnixMillis(1796000123456);
  j.drain.waited = "10m";
  DrainAddress a;
  a.database = "platform";
  a.address = "db-old,1433";
  a.endpoints = {"10.0.0.5:1433"};
  a.shared = {"10.0.0.5:1433"};
  a.shared_with = "db-new,1433";
  DrainServer s;
  s.name = "fe01";
  s.count = 2;
  s.shared = 1;
  s.connections = {{4242, "w3wp.exe", "10.0.0.21:51234", "10.0.0.5:1433"}};
  DrainServer down;
  down.name = "fe02";
  down.error = "UNAVAILABLE: connection refused";
  a.servers = {s, down};
  a.retire = false;
  a.reason = "still used by 1 process(es) on 1 server(s): fe01 pid 4242 w3wp.exe";
  j.drain.addresses = {a};
  ASSERT_OK(SaveJournal(j));

  absl::StatusOr<Journal> back = LoadJournal(j.id);
  ASSERT_OK(back);
  const DrainCheck& d = back->drain;
  EXPECT_EQ(d.checked, absl::FromUnixMillis(1796000123456));
  EXPECT_EQ(d.waited, "10m");
  ASSERT_EQ(d.addresses.size(), 1u);
  const DrainAddress& b = d.addresses[0];
  EXPECT_EQ(b.database, "platform");
  EXPECT_EQ(b.address, "db-old,1433");
  EXPECT_EQ(b.endpoints, a.endpoints);
  EXPECT_EQ(b.shared, a.shared);
  EXPECT_EQ(b.shared_with, "db-new,1433");
  EXPECT_FALSE(b.retire);
  EXPECT_EQ(b.reason, a.reason);
  ASSERT_EQ(b.servers.size(), 2u);
  EXPECT_EQ(b.servers[0].count, 2);
  EXPECT_EQ(b.servers[0].shared, 1);
  ASSERT_EQ(b.servers[0].connections.size(), 1u);
  EXPECT_EQ(b.servers[0].connections[0].pid, 4242u);
  EXPECT_EQ(b.servers[0].connections[0].process, "w3wp.exe");
  EXPECT_EQ(b.servers[0].connections[0].local, "10.0.0.21:51234");
  EXPECT_EQ(b.servers[0].connections[0].remote, "10.0.0.5:1433");
  EXPECT_EQ(b.servers[1].error, "UNAVAILABLE: connection refused");
  // Readable by a person and a pipeline: the verdict in words and as a flag.
  nlohmann::json file = File(j);
  EXPECT_EQ(file["drain"]["addresses"][0]["retire"], false);
  EXPECT_EQ(file["drain"]["checked"], "2026-11-30T00:55:23.456Z");
}

TEST_F(JournalDrainTest, NoCheckYetIsNullAndAnOlderJournalWithoutItIsRead) {
  Journal j = Finished();
  ASSERT_OK(SaveJournal(j));
  nlohmann::json doc = File(j);
  EXPECT_TRUE(doc["drain"].is_null());
  doc.erase("drain");
  Write(j, doc);
  absl::StatusOr<Journal> back = LoadJournal(j.id);
  ASSERT_OK(back);
  EXPECT_EQ(back->drain.checked, absl::InfinitePast());
  EXPECT_TRUE(back->drain.addresses.empty());
}

TEST_F(JournalDrainTest, AnEditedRecordIsRefusedNamingTheField) {
  Journal j = Finished();
  j.drain.checked = absl::FromUnixSeconds(1796000100);
  DrainAddress a;
  a.address = "db-old,1433";
  DrainServer s;
  s.name = "fe01";
  s.connections = {{1, "x", "l", "r"}};
  a.servers = {s};
  j.drain.addresses = {a};
  ASSERT_OK(SaveJournal(j));
  const nlohmann::json good = File(j);
  auto refused = [&](nlohmann::json doc, const std::string& why) {
    absl::Status s = ParseJournal(doc.dump(), j.path).status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(why)) << s;
  };
  nlohmann::json doc = good;
  doc["drain"] = "yes";
  refused(doc, "drain: expected an object, got string");
  doc = good;
  doc["drain"]["addresses"][0]["servers"][0]["count"] = -1;
  refused(doc, "drain.addresses[0].servers[0].count: -1 is outside 0..");
  doc = good;
  doc["drain"]["addresses"][0]["servers"][0]["connections"][0]["pid"] = 5000000000;
  refused(doc, "drain.addresses[0].servers[0].connections[0].pid: 5000000000 is outside");
  doc = good;
  doc["drain"]["addresses"][0]["retire"] = "yes";
  refused(doc, "drain.addresses[0].retire: expected true or false, got string");
  doc = good;
  doc["drain"]["addresses"][0]["servers"][0]["connections"] =
      nlohmann::json::array({good["drain"]["addresses"][0]["servers"][0]["connections"][0]});
  for (size_t i = 0; i < kMaxDrainConnectionsKept; ++i) {
    doc["drain"]["addresses"][0]["servers"][0]["connections"].push_back(
        good["drain"]["addresses"][0]["servers"][0]["connections"][0]);
  }
  refused(doc, "drain.addresses[0].servers[0].connections: expected a list of at most 16");
  doc = good;
  doc["drain"]["addresses"] = nlohmann::json::array({1});
  refused(doc, "drain.addresses[0]: expected an object, got number");
}

}  // namespace
}  // namespace osfleet::ctl

// A journal read from disk is untrusted input (issue 26, findings 1 and 10): every field's
// type and bounds are checked before anything is sized or decided by it, and the error
// names the file and the field.
#include "ctl/ops/rollout/journal_check.h"
#include "tests/support/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <tuple>

namespace osfleet::ctl {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kPath[] = "/state/rollouts/20261207-010203-abcd.json";

// A journal as osctl writes it: a Deployment Controller and two Front-Ends in 2 batches.
json Valid() {
  json hosts = json::array();
  for (const auto& [name, role, batch] :
       {std::tuple<const char*, const char*, int>{"dc01", "deployment_controller", 0},
        {"fe01", "front_end", 1},
        {"fe02", "front_end", 1}}) {
    hosts.push_back({{"name", name},
                     {"role", role},
                     {"address", std::string(name) + ".farm:7443"},
                     {"batch", batch},
                     {"old_revision", "abc"},
                     {"old_addresses", {{"platform", "SQLPROD01"}}},
                     {"state", "confirmed"},
                     {"restart_seconds", 1.5},
                     {"warnings", json::array({"a warning"})}});
  }
  return {{"id", "20261207-010203-abcd"},
          {"inventory", "/etc/osfleet/inventory.yaml"},
          {"ca_fingerprint", "sha256:00"},
          {"created_unix_ms", 1796000000000},
          {"updated_unix_ms", 1796000001000},
          {"options",
           {{"platform", "sqlnew01,1433"},
            {"batch", "25%"},
            {"canary", 1},
            {"max_fail", "1"},
            {"confirm_timeout", "10m"},
            {"lease", "30s"},
            {"on_failure", "rollback"},
            {"advanced_settings", "refuse"}}},
          {"phase", "done"},
          {"batches", 2},
          {"hosts", hosts},
          {"service_center", ""},
          {"note", ""}};
}

absl::Status Parse(const json& doc) { return ParseJournal(doc.dump(), kPath).status(); }

void ExpectRefused(const json& doc, const std::string& field_and_why) {
  absl::Status s = Parse(doc);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(kPath) + ": " + field_and_why));
}

TEST(JournalCheckTest, AJournalAsOsctlWritesItIsRead) {
  absl::StatusOr<Journal> j = ParseJournal(Valid().dump(2), kPath);
  ASSERT_OK(j);
  EXPECT_EQ(j->batches, 2);
  ASSERT_EQ(j->hosts.size(), 3u);
  EXPECT_EQ(j->hosts[2].address, "fe02.farm:7443");
  EXPECT_EQ(j->hosts[2].state, HostState::kConfirmed);
  EXPECT_EQ(j->phase, RolloutPhase::kDone);
  EXPECT_EQ(j->ca_fingerprint, "sha256:00");
  EXPECT_EQ(j->path, kPath);
}

// Finding 10: 100 000 000 batches took 38 s and 2.4 GB, 2 000 000 000 ended in bad_alloc.
TEST(JournalCheckTest, HugeBatchCountsAreRefusedNamingTheField) {
  for (int64_t batches : {int64_t{100000000}, int64_t{2000000000}, int64_t{1} << 40}) {
    json doc = Valid();
    doc["batches"] = batches;
    ExpectRefused(doc, "batches: " + std::to_string(batches) + " is outside 1..3");
  }
  json doc = Valid();
  doc["batches"] = 18446744073709551615u;
  ExpectRefused(doc, "batches: 18446744073709551615 is outside 1..3");
  doc["batches"] = 0;
  ExpectRefused(doc, "batches: 0 is outside 1..3");
}

TEST(JournalCheckTest, AServersBatchMustBeOneOfTheJournals) {
  json doc = Valid();
  doc["hosts"][1]["batch"] = -1;
  ExpectRefused(doc, "hosts[1].batch: -1 is outside 0..1");
  doc["hosts"][1]["batch"] = 2;
  ExpectRefused(doc, "hosts[1].batch: 2 is outside 0..1");
  doc["hosts"][1]["batch"] = "1";
  ExpectRefused(doc, "hosts[1].batch: expected a whole number, got string");
  doc["hosts"][1].erase("batch");
  ExpectRefused(doc, "hosts[1].batch: missing");
}

TEST(JournalCheckTest, UnknownStatesPhasesAndRolesAreRefused) {
  json doc = Valid();
  doc["hosts"][2]["state"] = "done";
  ExpectRefused(doc, "hosts[2].state: 'done' is not a server state");
  doc = Valid();
  doc["phase"] = "finished";
  ExpectRefused(doc, "phase: 'finished' is not a rollout phase");
  doc = Valid();
  doc["hosts"][0]["role"] = "database";
  ExpectRefused(doc, "hosts[0].role: 'database' is not deployment_controller or front_end");
}

TEST(JournalCheckTest, TextThatIsNotUtf8IsRefusedWithItsOffset) {
  std::string text = Valid().dump();
  const size_t at = text.find("dc01");
  text[at] = '\xff';
  absl::Status s = ParseJournal(text, kPath).status();
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(std::string(kPath) + ": not valid UTF-8 (byte " + std::to_string(at)));
  // An escape that decodes to half a surrogate pair is not UTF-8 either.
  text = Valid().dump();
  text.replace(text.find("dc01"), 4, "\\udc80");
  EXPECT_TRUE(absl::IsInvalidArgument(ParseJournal(text, kPath).status()));
}

TEST(JournalCheckTest, TheSizeAndTheServerCountAreBounded) {
  absl::Status s = ParseJournal(std::string(kMaxJournalBytes + 1, ' '), kPath).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("bytes, more than a journal's"));
  json doc = Valid();
  doc["hosts"] = json::array();
  for (size_t i = 0; i <= kMaxJournalHosts; ++i) doc["hosts"].push_back(json::object());
  ExpectRefused(doc, "hosts: 4097 servers, at most 4096");
  doc = Valid();
  doc["hosts"][0]["error"] = std::string(kMaxJournalTextBytes + 1, 'x');
  ExpectRefused(doc, "hosts[0].error: 16385 bytes, at most 16384 allowed");
  doc = Valid();
  doc["hosts"][0]["warnings"] = json::array({"ok", 7});
  ExpectRefused(doc, "hosts[0].warnings[1]: expected a string, got number");
  doc = Valid();
  doc["hosts"][2]["name"] = "dc01";
  ExpectRefused(doc, "hosts[2].name: 'dc01' appears twice");
}

TEST(JournalCheckTest, OptionsParseAsTheirFlagsAndStayWithinTheLimits) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"options.canary: 5000 is outside 0..4096", {{"canary", 5000}}},
      {"options.canary: -1 is outside 0..4096", {{"canary", -1}}},
      {"options.max_fail: 'lots' is not a count", {{"max_fail", "lots"}}},
      {"options.batch: 'x' is not a count", {{"batch", "x"}}},
      {"options.confirm_timeout: must be between", {{"confirm_timeout", "48h"}}},
      {"options.lease: must be between", {{"lease", "1ms"}}},
      {"options.lease: 20m is longer than options.confirm_timeout 10m", {{"lease", "20m"}}},
      {"options.on_failure: 'ignore' is not rollback or keep", {{"on_failure", "ignore"}}},
      {"options.platform: ", {{"platform", "sql new;01"}}},
      {"options.log: ", {{"log", "host,99999"}}},
  };
  for (const auto& [why, change] : cases) {
    json doc = Valid();
    for (const auto& [key, value] : change.items()) doc["options"][key] = value;
    ExpectRefused(doc, why);
  }
}

TEST(JournalCheckTest, AnAgentAddressParsesAsTheInventorysDo) {
  json doc = Valid();
  doc["hosts"][1]["address"] = "fe01.farm:99999";
  ExpectRefused(doc, "hosts[1].address: ");
}

// Fields an older osctl did not write take their meaning then.
TEST(JournalCheckTest, AnOlderJournalWithoutTheNewerFieldsIsRead) {
  json doc = Valid();
  doc.erase("ca_fingerprint");
  doc["options"].erase("lease");
  for (json& h : doc["hosts"]) h.erase("address");
  absl::StatusOr<Journal> j = ParseJournal(doc.dump(), kPath);
  ASSERT_OK(j);
  EXPECT_EQ(j->ca_fingerprint, "");
  EXPECT_EQ(j->options.lease, "0s");
  EXPECT_EQ(j->hosts[0].address, "");
}

}  // namespace
}  // namespace osfleet::ctl

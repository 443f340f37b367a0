// A journal against the operator's inventory (issue 26, finding 1): every difference named.
#include "ctl/ops/rollout/journal_fleet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace osfleet::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Server Make(const std::string& name, v1::ServerRole role, const std::string& host) {
  Server s;
  s.name = name;
  s.role = role;
  s.address.host = host;
  s.address.port = 7443;
  return s;
}

std::vector<Server> Inventory() {
  return {Make("dc01", v1::SERVER_ROLE_DEPLOYMENT_CONTROLLER, "10.0.0.5"),
          Make("fe01", v1::SERVER_ROLE_FRONT_END, "10.0.0.11"),
          Make("fe02", v1::SERVER_ROLE_FRONT_END, "10.0.0.12")};
}

Journal Recorded() {
  Journal j;
  j.id = "20261207-010203-abcd";
  j.ca_fingerprint = "sha256:aa";
  for (const Server& s : Inventory()) {
    HostRecord h;
    h.name = s.name;
    h.role = s.role == v1::SERVER_ROLE_FRONT_END ? "front_end" : "deployment_controller";
    h.address = s.Target();
    j.hosts.push_back(h);
  }
  return j;
}

TEST(JournalFleetTest, TheSameFleetMatches) {
  FleetComparison c = CompareWithFleet(Recorded(), Inventory(), "sha256:aa");
  EXPECT_TRUE(c.matches());
  EXPECT_THAT(c.notes, IsEmpty());
}

TEST(JournalFleetTest, EveryDifferenceIsNamed) {
  Journal j = Recorded();
  j.hosts[2].address = "10.0.0.99:7443";
  j.hosts[1].role = "deployment_controller";
  HostRecord planted;
  planted.name = "fe09";
  planted.role = "front_end";
  j.hosts.push_back(planted);
  std::vector<Server> inventory = Inventory();
  inventory.push_back(Make("fe05", v1::SERVER_ROLE_FRONT_END, "10.0.0.15"));
  FleetComparison c = CompareWithFleet(j, inventory, "sha256:bb");
  EXPECT_THAT(c.differences,
              ElementsAre("servers in the journal but not in the inventory: fe09",
                          "servers in the inventory but not in the journal: fe05",
                          "fe01: journal says deployment_controller, inventory says front_end",
                          "fe02: journal says 10.0.0.99:7443, inventory says 10.0.0.12:7443",
                          "CA: journal says sha256:aa, osctl now trusts sha256:bb"));
}

TEST(JournalFleetTest, AnOlderJournalIsComparedOnWhatItHasAndSaysSo) {
  Journal j = Recorded();
  j.ca_fingerprint.clear();
  for (HostRecord& h : j.hosts) h.address.clear();
  FleetComparison c = CompareWithFleet(j, Inventory(), "sha256:bb");
  EXPECT_TRUE(c.matches());
  ASSERT_EQ(c.notes.size(), 2u);
  EXPECT_THAT(c.notes[0], HasSubstr("does not record its servers' addresses"));
  EXPECT_THAT(c.notes[1], HasSubstr("does not record the CA"));
  j.hosts.pop_back();
  EXPECT_THAT(CompareWithFleet(j, Inventory(), "sha256:bb").differences,
              ElementsAre("servers in the inventory but not in the journal: fe02"));
}

TEST(JournalFleetTest, ThePlaintextFleetHasNoCa) {
  ConnectionOptions plaintext;
  plaintext.insecure = true;
  EXPECT_EQ(CaFingerprint(plaintext), "none (plaintext, --insecure)");
}

}  // namespace
}  // namespace osfleet::ctl

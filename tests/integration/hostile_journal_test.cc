// Journals are records, not authority (issue 26, findings 1 and 10): `rollout resume |
// rollback | status` work on the operator's inventory, never on one a journal names; a
// journal that does not match it, that others may read or write, or whose fields are out of
// bounds is refused before any server is asked or any credential is read. Real agents and
// the real osctl on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/farm.h"
#include "tests/integration/silent_database.h"
#include "tests/integration/terminal.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class HostileJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FarmOptions options;
    options.front_ends = 1;
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), options);
    ASSERT_TRUE(farm_->Start());
  }

  // A planned rollout of the Platform database (`rollout apply` without --yes and without a
  // terminal keeps the plan): its journal, parsed.
  nlohmann::json Plan() {
    ProcessResult planned =
        farm_->Osctl({"rollout", "apply", "--platform", farm_->new_db().address()});
    EXPECT_EQ(planned.exit_code, 2) << planned.out << planned.err;
    nlohmann::json j = farm_->Journal();
    EXPECT_EQ(j["phase"], "planned");
    return j;
  }
  // Writes `journal` as the newest journal (as osctl does: mode 0600) and returns its path.
  std::string Plant(const nlohmann::json& journal, const std::string& id) {
    nlohmann::json doc = journal;
    doc["id"] = id;
    const std::string path = farm_->journal_dir() + "/" + id + ".json";
    WriteFile(path, doc.dump(2));
    EXPECT_EQ(chmod(path.c_str(), 0600), 0);
    return path;
  }
  // osctl as an operator runs it with OSFLEET_INVENTORY set and no --inventory.
  ProcessResult OsctlFromEnvironment(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BinDir() + "/osctl"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env = farm_->OsctlEnv();
    env["OSFLEET_INVENTORY"] = farm_->inventory();
    return RunProgram(argv, env);
  }
  bool EveryFileIsTheOriginal() {
    for (const std::string& n : farm_->Names()) {
      if (farm_->Hsconf(n) != farm_->original()) return false;
    }
    return true;
  }
  std::string CredentialsFile() {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, "db_admin_user: sa\ndb_admin_password: s3cret-Passw0rd\n");
    EXPECT_EQ(chmod(path.c_str(), 0600), 0);
    return path;
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

// The attack of finding 1: a journal planted in the operator's rollouts folder names
// another inventory (another CA, other addresses: the attacker's listener). resume works on
// the operator's inventory, refuses the journal naming every difference, and nothing ever
// connects to the attacker's address (on main, osctl dialled it with the DB admin
// password).
TEST_F(HostileJournalTest, ResumeRefusesAJournalNamingAnotherInventory) {
  nlohmann::json planted = Plan();
  SilentDatabase attacker;  // a TCP listener that counts connections
  const std::string attacker_address = absl::StrCat("127.0.0.1:", attacker.port());
  const std::string pki = tmp_.Sub("farm") + "/pki";
  WriteInventory(tmp_.Sub("attacker.yaml"),
                 {{"dc01", attacker_address, "deployment_controller"},
                  {"fe01", attacker_address, "front_end"}},
                 absl::StrCat("defaults:\n  tls: {ca: ", pki, "/ca.pem, cert: ", pki,
                              "/tester.pem, key: ", pki, "/tester.key}"));
  planted["inventory"] = tmp_.Sub("attacker.yaml");
  planted["ca_fingerprint"] = "sha256:0123456789abcdef";
  for (nlohmann::json& h : planted["hosts"]) h["address"] = attacker_address;
  Plant(planted, "29990101-000000-dead");

  ProcessResult resume = OsctlFromEnvironment(
      {"rollout", "resume", "--yes", "--db-admin-credentials", CredentialsFile()});
  EXPECT_EQ(resume.exit_code, 2) << resume.out << resume.err;
  EXPECT_THAT(resume.err, HasSubstr("does not match the inventory " + farm_->inventory()));
  EXPECT_THAT(resume.err,
              HasSubstr(absl::StrCat("dc01: journal says ", attacker_address, ", inventory says ",
                                     farm_->agent("dc01").address())));
  EXPECT_THAT(resume.err, HasSubstr("CA: journal says sha256:0123456789abcdef"));
  EXPECT_EQ(attacker.connections(), 0);
  ProcessResult rollback = OsctlFromEnvironment(
      {"rollout", "rollback", "--yes", "--db-admin-credentials", CredentialsFile()});
  EXPECT_EQ(rollback.exit_code, 2) << rollback.out << rollback.err;
  EXPECT_THAT(rollback.err, HasSubstr("does not match the inventory"));
  EXPECT_EQ(attacker.connections(), 0);
  EXPECT_TRUE(EveryFileIsTheOriginal());
}

// An edited journal whose servers moved (finding 1's accident: every server sent where
// nothing listens) is refused, naming the server and both addresses.
TEST_F(HostileJournalTest, ResumeRefusesAJournalWhoseServerAddressDiffersNamingTheHost) {
  nlohmann::json j = Plan();
  const std::string path = farm_->journal_dir() + "/" + j["id"].get<std::string>() + ".json";
  ASSERT_EQ(j["hosts"][1]["name"], "fe01");
  ASSERT_EQ(j["hosts"][1]["address"], farm_->agent("fe01").address());
  j["hosts"][1]["address"] = "127.0.0.1:1";
  WriteFile(path, j.dump(2));
  ProcessResult resume = farm_->Osctl({"rollout", "resume", "--yes"});
  EXPECT_EQ(resume.exit_code, 2) << resume.out << resume.err;
  EXPECT_THAT(resume.err, HasSubstr(absl::StrCat("fe01: journal says 127.0.0.1:1, inventory says ",
                                                 farm_->agent("fe01").address())));
  EXPECT_THAT(resume.err, Not(HasSubstr("dc01: journal says")));
  EXPECT_TRUE(EveryFileIsTheOriginal());
  // status still shows the record, marked as not this fleet's.
  ProcessResult status = farm_->Osctl({"rollout", "status"});
  EXPECT_EQ(status.exit_code, 1) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("NOT THIS FLEET'S RECORD"));
  EXPECT_THAT(status.out, HasSubstr("fe01: journal says 127.0.0.1:1"));
  ProcessResult json = farm_->Osctl({"rollout", "status", "--output", "json"});
  nlohmann::json doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << json.out << json.err;
  EXPECT_EQ(doc["inventory_match"]["matches"], false);
}

// The target comes from the journal, so an edited one is shown and needs a yes: without
// --yes and without a terminal nothing changes; an address that does not parse as the
// --platform flag's is refused, naming the field.
TEST_F(HostileJournalTest, AnEditedTargetIsShownAndNeedsAYes) {
  nlohmann::json j = Plan();
  const std::string path = farm_->journal_dir() + "/" + j["id"].get<std::string>() + ".json";
  // The operator planned the Platform database alone; the edit moves the Log database too.
  j["options"]["log"] = farm_->new_db().address();
  WriteFile(path, j.dump(2));
  ProcessResult refused = farm_->Osctl({"rollout", "resume"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("not resumed (no terminal to ask on; pass --yes)"));
  EXPECT_THAT(refused.err, HasSubstr(absl::StrCat("Log ", farm_->old_db().address(), " → ",
                                                  farm_->new_db().address())));
  EXPECT_THAT(refused.out, HasSubstr("target Platform"));
  EXPECT_TRUE(EveryFileIsTheOriginal());

  j["options"]["platform"] = "sql attacker;01";
  WriteFile(path, j.dump(2));
  ProcessResult bad = farm_->Osctl({"rollout", "resume", "--yes"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_THAT(bad.err, HasSubstr(path + ": options.platform: "));
  EXPECT_TRUE(EveryFileIsTheOriginal());
}

// rollback asks too, as resume and apply do: without --yes and without a terminal it
// changes nothing; on a terminal it shows what it moves back and goes on at "y".
TEST_F(HostileJournalTest, RollbackAsksAndNeedsYesWithoutATerminal) {
  const std::string new_address = farm_->new_db().address();
  ProcessResult applied = farm_->Osctl({"rollout", "apply", "--yes", "--platform", new_address});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  ProcessResult refused = farm_->Osctl({"rollout", "rollback"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("not rolled back (no terminal to ask on; pass --yes)"));
  EXPECT_THAT(refused.err,
              HasSubstr(absl::StrCat("Platform ", new_address, " → ", farm_->old_db().address())));
  for (const std::string& n : farm_->Names()) {
    EXPECT_THAT(farm_->Hsconf(n), HasSubstr(new_address)) << n;
  }
  ProcessResult asked =
      RunOnTerminal(farm_->OsctlArgv({"rollout", "rollback"}), farm_->OsctlEnv(), "[y/N]", "y\n");
  EXPECT_EQ(asked.exit_code, 0) << asked.out;
  EXPECT_THAT(asked.out, HasSubstr("Roll back 2 servers of rollout "));
  EXPECT_TRUE(EveryFileIsTheOriginal());
}

// A journal is checked like a secret: one its group or others may read or write is refused
// (finding 1: who can edit it decides where every server goes).
TEST_F(HostileJournalTest, ResumeRefusesAJournalOthersMayRead) {
  nlohmann::json j = Plan();
  const std::string path = farm_->journal_dir() + "/" + j["id"].get<std::string>() + ".json";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  ProcessResult resume = farm_->Osctl({"rollout", "resume", "--yes"});
  EXPECT_EQ(resume.exit_code, 3) << resume.out << resume.err;
  EXPECT_THAT(resume.err, HasSubstr("the rollout journal " + path + ": mode 0644"));
  EXPECT_THAT(resume.err, HasSubstr("chmod 600 " + path));
  EXPECT_TRUE(EveryFileIsTheOriginal());
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  ASSERT_EQ(chmod(farm_->journal_dir().c_str(), 0777), 0);
  ProcessResult folder = farm_->Osctl({"rollout", "status", "--offline"});
  EXPECT_THAT(folder.err, HasSubstr("the rollouts folder " + farm_->journal_dir() + ": mode 0777"));
}

// Finding 10: a journal claiming 100 000 000 or 2 000 000 000 batches cost 38 s and 2.4 GB,
// or ended in std::bad_alloc; now it is refused at once, naming the field. So are a negative
// batch, an unknown state and text that is not UTF-8.
TEST_F(HostileJournalTest, OutOfBoundsJournalsAreRefusedNamingTheField) {
  nlohmann::json j = Plan();
  const std::string path = farm_->journal_dir() + "/" + j["id"].get<std::string>() + ".json";
  auto refused = [&](const nlohmann::json& doc, const std::string& why) {
    WriteFile(path, doc.dump(2));
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"rollout", "status", "--offline"},
          std::vector<std::string>{"rollout", "resume", "--yes"}}) {
      ProcessResult r = farm_->Osctl(args);
      EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.out << r.err;
      EXPECT_THAT(r.err, HasSubstr(path + ": " + why)) << args[1];
    }
  };
  for (int64_t batches : {int64_t{100000000}, int64_t{2000000000}}) {
    nlohmann::json doc = j;
    doc["batches"] = batches;
    refused(doc, absl::StrCat("batches: ", batches, " is outside 1..2"));
  }
  nlohmann::json doc = j;
  doc["hosts"][1]["batch"] = -1;
  refused(doc, "hosts[1].batch: -1 is outside 0..1");
  doc = j;
  doc["hosts"][0]["state"] = "exploded";
  refused(doc, "hosts[0].state: 'exploded' is not a server state");
  std::string text = j.dump(2);
  text.replace(text.find("\"fe01\""), 6, "\"fe\xff\xfe\"");
  WriteFile(path, text);
  ProcessResult r = farm_->Osctl({"rollout", "status", "--offline"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr(path + ": not valid UTF-8 (byte "));
  EXPECT_TRUE(EveryFileIsTheOriginal());
}

}  // namespace
}  // namespace osfleet::testing

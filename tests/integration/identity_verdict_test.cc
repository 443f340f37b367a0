// The identity verdict end to end: real agents probe real osfleet-fake-sqlserver processes
// and `osctl probe` shows whether a new address reaches the same SQL Server instance as the
// current one; `rollout plan|apply` and `endpoints set` refuse another server (exit 3)
// unless --allow-different-server, which the journal keeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "tests/integration/farm.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

// Each fake makes its own self-signed certificate, as separate instances do; the old
// database also listens on 127.0.0.2 (one instance, one port, two addresses).
FarmOptions TwoInstances() {
  FarmOptions o;
  o.front_ends = 1;
  o.shared_db_certificate = false;
  o.old_db_args = {"--listen", "127.0.0.1", "--listen", "127.0.0.2"};
  return o;
}

class IdentityVerdictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    farm_ = std::make_unique<Farm>(tmp_.Sub("farm"), TwoInstances());
    ASSERT_TRUE(farm_->Start());
    port_ = std::to_string(farm_->old_db().port());
  }
  // `osctl -o json probe --platform ADDRESS [extra]`, parsed; each server's Platform result.
  std::vector<nlohmann::json> Probe(const std::string& address,
                                    std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--output", "json", "probe", "--platform", address};
    args.insert(args.end(), extra.begin(), extra.end());
    last_ = farm_->Osctl(args);
    std::vector<nlohmann::json> out;
    nlohmann::json doc = nlohmann::json::parse(last_.out, nullptr, false);
    if (doc.is_discarded()) return out;
    for (const auto& h : doc["hosts"]) out.push_back(h["result"]["results"][0]);
    return out;
  }
  // The verdict every server gave (they all probe from loopback: they agree).
  std::string Verdict(const std::string& address) {
    std::vector<nlohmann::json> results = Probe(address);
    EXPECT_EQ(results.size(), 2u) << last_.out << last_.err;
    if (results.empty()) return "";
    for (const auto& r : results) EXPECT_EQ(r["identity"], results[0]["identity"]);
    return results[0]["identity"].value("verdict", "");
  }
  std::string Evidence(const nlohmann::json& result, const std::string& kind) {
    for (const auto& e : result["identity"]["evidence"]) {
      if (e["kind"] == kind)
        return e["points_to"].get<std::string>() + ": " + e["detail"].get<std::string>();
    }
    return "";
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
  std::string port_;
  ProcessResult last_;
};

TEST_F(IdentityVerdictTest, TheSameInstanceUnderASecondAddressIsSameByItsCertificate) {
  std::vector<nlohmann::json> r = Probe("127.0.0.2," + port_);
  ASSERT_EQ(r.size(), 2u) << last_.out << last_.err;
  EXPECT_EQ(last_.exit_code, 0) << last_.err;
  const nlohmann::json& id = r[0]["identity"];
  EXPECT_EQ(id["verdict"], "same") << id;
  EXPECT_EQ(id["current_address"], farm_->old_db().address());
  // The JSON shape: lowercase words, the evidence strongest first.
  EXPECT_EQ(id["evidence"][0]["kind"], "certificate");
  EXPECT_EQ(id["evidence"][0]["points_to"], "same");
  EXPECT_EQ(id["evidence"][0]["weak"], false);
  EXPECT_THAT(id["evidence"][0]["detail"].get<std::string>(),
              HasSubstr("both present the self-signed certificate"));
  EXPECT_THAT(Evidence(r[0], "dns"), HasSubstr("unknown: DNS: 127.0.0.2 resolves to 127.0.0.2"));
  EXPECT_EQ(r[0]["encryption"], "off");
  EXPECT_EQ(r[0]["certificate"]["selfSigned"], true);
  EXPECT_EQ(r[0]["certificate"]["sha256"].get<std::string>().size(), 64u);
}

TEST_F(IdentityVerdictTest, AnotherInstanceOfTheSameVersionIsDifferent) {
  std::vector<nlohmann::json> r = Probe(farm_->new_db().address());
  ASSERT_EQ(r.size(), 2u) << last_.out << last_.err;
  EXPECT_EQ(r[0]["identity"]["verdict"], "different") << r[0];
  EXPECT_THAT(Evidence(r[0], "certificate"), HasSubstr("different: "));
  EXPECT_THAT(Evidence(r[0], "version"), HasSubstr("both report SQL Server 15.0.4153.1"));
  // The table: the IDENTITY column and the evidence below it.
  ProcessResult table = farm_->Osctl({"probe", "--platform", farm_->new_db().address()});
  EXPECT_THAT(table.out, HasSubstr("IDENTITY"));
  EXPECT_THAT(table.out, HasSubstr("DIFFERENT"));
  EXPECT_THAT(table.out, HasSubstr(absl::StrCat("fe01 platform: ", farm_->new_db().address(),
                                                " vs current ", farm_->old_db().address())));
  // --no-identity: no comparison.
  r = Probe(farm_->new_db().address(), {"--no-identity"});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].contains("identity")) << r[0];
}

TEST_F(IdentityVerdictTest, ADnsAliasIsSame) {
  EXPECT_EQ(Verdict("localhost," + port_), "same");
  std::vector<nlohmann::json> r = Probe("localhost," + port_);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(Evidence(r[0], "dns"),
            absl::StrCat("same: DNS: localhost and 127.0.0.1 both resolve to 127.0.0.1; port ",
                         port_, " on both"));
}

TEST_F(IdentityVerdictTest, AServerWithoutTlsIsUnknownAndTds8StrictIsJudgedByItsCertificate) {
  FakeDatabase plain(tmp_.Sub("plain"), "15.0.4153.1", "", {"--tls", "none"});
  FakeDatabase strict(tmp_.Sub("strict"), "15.0.4153.1", "", {"--strict"});
  ASSERT_TRUE(plain.WaitReady());
  ASSERT_TRUE(strict.WaitReady());
  std::vector<nlohmann::json> r = Probe(plain.address());
  ASSERT_EQ(r.size(), 2u) << last_.out << last_.err;
  EXPECT_EQ(r[0]["identity"]["verdict"], "unknown");
  EXPECT_EQ(r[0]["encryption"], "not supported");
  EXPECT_THAT(Evidence(r[0], "certificate"),
              HasSubstr(absl::StrCat("unknown: no certificate from ", plain.address())));
  r = Probe(strict.address());
  ASSERT_EQ(r.size(), 2u) << last_.out << last_.err;
  EXPECT_EQ(r[0]["encryption"], "strict");
  EXPECT_EQ(r[0]["identity"]["verdict"], "different");
  EXPECT_THAT(Evidence(r[0], "certificate"), HasSubstr("over TDS 8.0"));
}

TEST_F(IdentityVerdictTest, RolloutPlanRefusesAnotherServerUnlessAllowed) {
  const std::string other = farm_->new_db().address();
  ProcessResult refused = farm_->Osctl({"rollout", "plan", "--platform", other});
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  // Both servers saw the same evidence: one finding naming them, not one per server.
  EXPECT_THAT(refused.err, HasSubstr(absl::StrCat("every server (2) platform: ", other,
                                                  " reaches another database server than ",
                                                  farm_->old_db().address())));
  EXPECT_THAT(refused.err, HasSubstr("--allow-different-server"));
  EXPECT_THAT(refused.err, HasSubstr("Restore OutSystems database to a different DB Server"));
  EXPECT_THAT(refused.err, HasSubstr("nothing was changed"));

  ProcessResult allowed =
      farm_->Osctl({"rollout", "plan", "--allow-different-server", "--platform", other});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("WARNING: every server (2) platform: "));
  // apply without a terminal and without --yes keeps the plan: the journal records the flag.
  ProcessResult kept =
      farm_->Osctl({"rollout", "apply", "--allow-different-server", "--platform", other});
  EXPECT_EQ(kept.exit_code, 2) << kept.out << kept.err;
  EXPECT_EQ(farm_->Journal()["options"]["allow_different_server"], true);

  ProcessResult set = farm_->Osctl({"endpoints", "set", "--yes", "--platform", other});
  EXPECT_EQ(set.exit_code, 3) << set.out << set.err;
  EXPECT_THAT(set.err, HasSubstr("--allow-different-server"));
  EXPECT_EQ(farm_->Hsconf("fe01"), farm_->original());
}

// What identity costs per server: the same probe of one new address with and without it,
// alternately, each server's wall time as osctl measured it; the medians are printed for
// the record, not asserted (the machine's load decides them).
TEST_F(IdentityVerdictTest, WhatIdentityCosts) {
  auto once = [&](bool identity, std::vector<double>& out) {
    std::vector<std::string> args = {"--output", "json", "probe", "--platform",
                                     "127.0.0.2," + port_};
    if (!identity) args.push_back("--no-identity");
    nlohmann::json doc = nlohmann::json::parse(farm_->Osctl(args).out, nullptr, false);
    if (doc.is_discarded()) return;
    for (const auto& h : doc["hosts"]) out.push_back(h["elapsedMs"].get<double>());
  };
  std::vector<double> with, without;
  for (int i = 0; i < 9; ++i) {
    once(true, with);
    once(false, without);
  }
  ASSERT_EQ(with.size(), 18u);
  ASSERT_EQ(without.size(), 18u);
  std::sort(with.begin(), with.end());
  std::sort(without.begin(), without.end());
  std::cout << "probe of one new address, median per server of 18: with identity "
            << with[with.size() / 2] << " ms, without " << without[without.size() / 2] << " ms\n";
}

}  // namespace
}  // namespace osfleet::testing

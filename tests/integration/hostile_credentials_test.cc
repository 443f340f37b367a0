// The database administrator's credentials against a reader of the agent's memory and a
// careless fan-out (issue 26, findings 4 and 6), on a simulated farm of real agents that
// run the fake ConfigurationTool.com: the password is in the agent's memory only while its
// change is pending (read from /proc/PID/mem: gone once the change is confirmed or
// reverted), a crash of the agent writes no core file, and osctl sends each agent only the
// credentials its tool's placeholders name — nothing to an agent without a tool.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "osfleet/v1/endpoints.grpc.pb.h"
#include "tests/integration/farm.h"
#include "tests/integration/memory_bound.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

// How often `needle` occurs in the readable memory of process `pid` (/proc/PID/maps and
// /proc/PID/mem); -1 when its memory cannot be read at all. Occurrences right after
// `wire_prefix` (the request as it came over the wire) are counted in *wire instead.
int CountInMemory(pid_t pid, const std::string& needle, std::string* where = nullptr,
                  const std::string& wire_prefix = "", int* wire = nullptr) {
  std::ifstream maps(absl::StrCat("/proc/", pid, "/maps"));
  std::ifstream mem(absl::StrCat("/proc/", pid, "/mem"), std::ios::binary);
  if (!maps || !mem) return -1;
  int found = 0;
  bool read_any = false;
  for (std::string line; std::getline(maps, line);) {
    std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() < 2 || f[1][0] != 'r') continue;
    if (f.size() >= 6 && (f[5] == "[vvar]" || f[5] == "[vsyscall]" || f[5] == "[vvar_vclock]")) {
      continue;
    }
    const std::vector<std::string> range = absl::StrSplit(f[0], '-');
    const unsigned long long start = std::stoull(range[0], nullptr, 16);
    const unsigned long long end = std::stoull(range[1], nullptr, 16);
    std::string carry;  // the end of the last chunk: a match may straddle two
    for (unsigned long long at = start; at < end;) {
      const size_t n = static_cast<size_t>(std::min<unsigned long long>(end - at, 1 << 20));
      std::string chunk(n, '\0');
      mem.clear();
      mem.seekg(static_cast<std::streamoff>(at));
      mem.read(&chunk[0], static_cast<std::streamsize>(n));
      if (mem.gcount() != static_cast<std::streamsize>(n)) break;  // unreadable: skip the rest
      read_any = true;
      const std::string window = carry + chunk;
      for (size_t p = window.find(needle); p != std::string::npos; p = window.find(needle, p + 1)) {
        if (!wire_prefix.empty() && p >= wire_prefix.size() &&
            window.compare(p - wire_prefix.size(), wire_prefix.size(), wire_prefix) == 0) {
          if (wire != nullptr) ++*wire;
          continue;
        }
        ++found;
        if (where != nullptr) {  // which mapping, and the bytes around it, for the message
          const size_t from = p >= 48 ? p - 48 : 0;
          std::string around = window.substr(from, needle.size() + 96);
          for (char& c : around) {
            if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '.';
          }
          absl::StrAppend(where, f.size() >= 6 ? f[5] : "[anon]", " @", f[0], ": ", around, "\n");
        }
      }
      carry = window.substr(window.size() - std::min(window.size(), needle.size() - 1));
      at += n;
    }
  }
  return read_any ? found : -1;
}

// A password of this run only: nothing else in any process holds it by chance.
std::string RandomPassword() {
  std::random_device random;
  std::string out = "Zq9-";
  const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 28; ++i) out += hex[random() % 16];
  return out;
}

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoNanoseconds(d);
}

class HostileCredentialsTest : public ::testing::Test {
 protected:
  std::string FarmDir() const { return tmp_.Sub("farm"); }
  std::string Record(const std::string& name) const {
    return FarmDir() + "/" + name + ".tool.jsonl";
  }

  // `apply` per server that runs the fake Configuration Tool; the others run none.
  void StartFarm(const std::map<std::string, std::string>& apply, int front_ends) {
    FarmOptions o;
    o.front_ends = front_ends;
    for (const auto& [name, switches] : apply) {
      const std::string log = FarmDir() + "/" + name + ".tool.log";
      o.extra_config[name] = absl::StrCat(
          "configuration_tool:\n  command: [\"", BinDir(), "/osfleet-fake-configuration-tool\", ",
          "\"--hsconf=", FarmDir(), "/", name, "/server.hsconf\", \"--record=", Record(name),
          "\", \"--log=", log, "\", \"--delay-ms=50\"]\n  apply: ", switches,
          "\n  timeout: 60s\n  log_file: ", log, "\n");
    }
    farm_ = std::make_unique<Farm>(FarmDir(), std::move(o));
    ASSERT_TRUE(farm_->Start());
  }

  std::string CredentialsFile(const std::string& password) {
    const std::string path = tmp_.Sub("db-admin.yaml");
    WriteFile(path, absl::StrCat("db_admin_user: sa\ndb_admin_password: \"", password, "\"\n"));
    chmod(path.c_str(), 0600);
    return path;
  }

  // The audit lines of `rpc` on server `name`.
  std::vector<nlohmann::json> Audited(const std::string& name, const std::string& rpc) {
    std::vector<nlohmann::json> out;
    const std::string audit = ReadFile(farm_->agent(name).dir() + "/state/audit.log");
    for (absl::string_view line : absl::StrSplit(audit, '\n', absl::SkipEmpty())) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("rpc", "") == rpc) out.push_back(std::move(j));
    }
    return out;
  }

  // dc01's Endpoints service as the farm's operator ("tester"), over mTLS.
  std::unique_ptr<v1::Endpoints::Stub> Dc01() const {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFile(FarmDir() + "/pki/ca.pem");
    tls.pem_cert_chain = ReadFile(FarmDir() + "/pki/tester.pem");
    tls.pem_private_key = ReadFile(FarmDir() + "/pki/tester.key");
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("dc01");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // its own connection, closed with it
    return v1::Endpoints::NewStub(
        grpc::CreateCustomChannel(farm_->agent("dc01").address(), grpc::SslCredentials(tls), args));
  }

  // A change of dc01's Platform address to `address`, pending for 10 minutes, with the
  // administrator's password for its tool.
  std::string SetPending(v1::Endpoints::Stub& dc01, const std::string& address,
                         const std::string& password) {
    grpc::ClientContext get_ctx;
    get_ctx.set_deadline(In(absl::Seconds(10)));
    v1::GetEndpointsResponse got;
    EXPECT_OK(dc01.Get(&get_ctx, {}, &got));
    v1::SetEndpointsRequest req;
    req.add_changes()->set_database(v1::DATABASE_PLATFORM);
    req.mutable_changes(0)->set_address(address);
    req.set_expected_revision(got.revision());
    req.mutable_confirm_within()->set_seconds(600);
    (*req.mutable_configuration_tool()->mutable_credentials())["db_admin_password"] = password;
    v1::SetEndpointsResponse set;
    grpc::ClientContext ctx;
    ctx.set_deadline(In(absl::Seconds(30)));
    const grpc::Status s = dc01.Set(&ctx, req, &set);
    EXPECT_OK(s);
    EXPECT_EQ(set.state(), v1::CHANGE_STATE_PENDING);
    return set.change_id();
  }

  TempDir tmp_;
  std::unique_ptr<Farm> farm_;
};

TEST_F(HostileCredentialsTest, ThePasswordLeavesTheAgentsMemoryOnceTheChangeIsConfirmedOrReverted) {
  if (kAddressSanitizer) {
    // ASan's allocator ignores glibc's tunables and quarantines freed blocks, and the scan
    // would read its terabytes of shadow mappings: the plain build runs this test.
    GTEST_SKIP() << "not meaningful under AddressSanitizer";
  }
  StartFarm({{"dc01", "[/UpgradeInstall, '/SetPlatformDBAdminPassword:${db_admin_password}']"}}, 1);
  const std::string password = RandomPassword();
  const pid_t agent = farm_->agent("dc01").process().pid();
  std::unique_ptr<v1::Endpoints::Stub> dc01 = Dc01();

  const std::string first = SetPending(*dc01, farm_->new_db().address(), password);
  ASSERT_FALSE(first.empty());
  EXPECT_THAT(ReadFile(Record("dc01")), HasSubstr(password));  // the tool got it
  // While pending, the agent keeps it for the revert's run of the tool: the scan finds it
  // (so a count of 0 below means gone, not unreadable).
  // The request as it came over the wire: the serialized map entry, then the value.
  const std::string wire =
      std::string("db_admin_password\x12") + static_cast<char>(password.size());
  if (geteuid() != 0) {
    // Not dumpable: another process of the agent's user cannot read its memory at all
    // (only one with CAP_SYS_PTRACE, which the scan below needs).
    EXPECT_EQ(CountInMemory(agent, password), -1) << "the agent's memory is readable";
    GTEST_SKIP() << "reading the agent's memory needs root (CAP_SYS_PTRACE)";
  }
  const int pending = CountInMemory(agent, password, nullptr, wire);
  ASSERT_GE(pending, 1) << "the scan of the agent's memory must find the held password";

  grpc::ClientContext confirm_ctx;
  confirm_ctx.set_deadline(In(absl::Seconds(10)));
  v1::ConfirmRequest confirm;
  confirm.set_change_id(first);
  v1::ConfirmResponse confirmed;
  ASSERT_OK(dc01->Confirm(&confirm_ctx, confirm, &confirmed));
  // What the agent made of the password — the credentials it held, the tool's filled
  // command line — must be gone. The request as it came over the wire (the serialized
  // map entry "db_admin_password" -> value) sits in gRPC's and OpenSSL's own buffers,
  // which the agent cannot reach: counted apart and reported.
  dc01.reset();
  std::string where;
  int after_confirm = -1, wire_after_confirm = 0;
  WaitFor(
      [&] {
        wire_after_confirm = 0;
        return (after_confirm =
                    CountInMemory(agent, password, nullptr, wire, &wire_after_confirm)) == 0;
      },
      absl::Seconds(10));
  if (after_confirm != 0) CountInMemory(agent, password, &where, wire);
  EXPECT_EQ(after_confirm, 0) << "copies of the password left after Confirm:\n" << where;
  dc01 = Dc01();

  const std::string second = SetPending(*dc01, farm_->old_address(), password);
  ASSERT_FALSE(second.empty());
  grpc::ClientContext rollback_ctx;
  rollback_ctx.set_deadline(In(absl::Seconds(30)));
  v1::RollbackRequest rollback;
  (*rollback.mutable_configuration_tool()->mutable_credentials())["db_admin_password"] = password;
  v1::RollbackResponse rolled_back;
  const grpc::Status r = dc01->Rollback(&rollback_ctx, rollback, &rolled_back);
  ASSERT_OK(r);
  EXPECT_EQ(rolled_back.reverted_change_id(), second);
  dc01.reset();
  where.clear();
  int after_revert = -1, wire_after_revert = 0;
  WaitFor(
      [&] {
        wire_after_revert = 0;
        return (after_revert = CountInMemory(agent, password, nullptr, wire, &wire_after_revert)) ==
               0;
      },
      absl::Seconds(10));
  if (after_revert != 0) CountInMemory(agent, password, &where, wire);
  EXPECT_EQ(after_revert, 0) << "copies of the password left after the revert:\n" << where;
  std::cerr << "[hostile_credentials] copies in the agent's memory: " << pending
            << " while pending, " << after_confirm << " after Confirm, " << after_revert
            << " after the revert; the request as received, in gRPC/OpenSSL buffers: "
            << wire_after_confirm << " after Confirm, " << wire_after_revert
            << " after the revert\n";
}

TEST_F(HostileCredentialsTest, TheAgentCannotWriteACoreFile) {
  StartFarm({}, 0);
  const pid_t agent = farm_->agent("dc01").process().pid();
  // "Max core file size  SOFT  HARD  bytes": both 0, so that no child or later setrlimit
  // can raise it again (the soft limit alone is often 0 already).
  const std::string limits = ReadFile(absl::StrCat("/proc/", agent, "/limits"));
  std::string core;
  for (absl::string_view line : absl::StrSplit(limits, '\n')) {
    if (absl::StartsWith(line, "Max core file size")) core = std::string(line);
  }
  ASSERT_FALSE(core.empty()) << limits;
  const std::vector<std::string> fields =
      absl::StrSplit(core.substr(std::string("Max core file size").size()), ' ', absl::SkipEmpty());
  ASSERT_GE(fields.size(), 2u) << core;
  EXPECT_EQ(fields[0], "0") << core;
  EXPECT_EQ(fields[1], "0") << core;
}

TEST_F(HostileCredentialsTest, ARolloutSendsEachAgentOnlyTheCredentialsItsToolNames) {
  // dc01's tool names user and password, fe01's the user only, fe02 runs no tool.
  StartFarm({{"dc01",
              "[/UpgradeInstall, '/SetPlatformDBAdminUser:${db_admin_user}', "
              "'/SetPlatformDBAdminPassword:${db_admin_password}']"},
             {"fe01", "[/UpgradeInstall, '/SetPlatformDBAdminUser:${db_admin_user}']"}},
            2);
  const std::string credentials = CredentialsFile(RandomPassword());
  ProcessResult r = farm_->Osctl({"rollout", "apply", "--yes", "--batch", "100%",
                                  "--skip-service-center", "--platform", farm_->new_db().address(),
                                  "--db-admin-credentials", credentials});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ProcessResult back =
      farm_->Osctl({"rollout", "rollback", "--yes", "--db-admin-credentials", credentials});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;

  const std::map<std::string, std::string> expected = {
      {"dc01", "db_admin_password,db_admin_user"}, {"fe01", "db_admin_user"}, {"fe02", ""}};
  for (const auto& [name, names] : expected) {
    for (const std::string rpc : {"Endpoints.Set", "Endpoints.Rollback"}) {
      const std::vector<nlohmann::json> lines = Audited(name, rpc);
      ASSERT_FALSE(lines.empty()) << name << " " << rpc;
      for (const nlohmann::json& j : lines) {
        if (names.empty()) {
          EXPECT_FALSE(j.contains("credentials")) << name << " got credentials: " << j.dump();
        } else {
          EXPECT_EQ(j.value("credential_names", ""), names) << name << ": " << j.dump();
        }
      }
    }
  }
}

}  // namespace
}  // namespace osfleet::testing

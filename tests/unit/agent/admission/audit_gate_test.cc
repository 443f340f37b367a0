// A mutating call starts only once its audit line can be made durable (the log open, room
// reserved past its end); Endpoints.Renew and reads never wait on the audit log.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/admission/call_gate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/fake_clock.h"

namespace osfleet::agent {
namespace {

using ::osfleet::testing::FakeClock;
using ::testing::HasSubstr;

const Caller kOperator{"bob", ClientRole::kOperator};

class AuditGateTest : public ::testing::Test {
 protected:
  AuditGateTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             absl::StrCat("audit_gate_test.", std::random_device()())) {
    std::filesystem::create_directories(dir_);
  }
  ~AuditGateTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
  // An admitted call as Admit() makes it (CheckStart needs no slot, so no limiter).
  static Admission Admitted(const CallGate& gate, const char* rpc) {
    Admission a;
    a.gate = &gate;
    a.rpc = rpc;
    a.peer = "ipv4:10.0.0.5:1";
    a.caller = kOperator;
    return a;
  }

  FakeClock clock_;
};

TEST_F(AuditGateTest, AnAuditedCallDoesNotStartWhenItsLineCannotBeWritten) {
  const std::string path = Path("missing/audit.log");
  AuditLog audit(path);
  CallGate gate(Authorizer(Transport::kInsecure), /*limiter=*/nullptr, &audit, absl::Seconds(5),
                &clock_);
  for (const char* rpc : {"Endpoints.Set", "Endpoints.Confirm", "Endpoints.Rollback",
                          "Services.Control", "ServiceCenter.RunPhase"}) {
    SCOPED_TRACE(rpc);
    const Admission a = Admitted(gate, rpc);
    const absl::Status start = gate.CheckStart(/*cancelled=*/false, a);
    EXPECT_TRUE(absl::IsUnavailable(start)) << start;
    EXPECT_THAT(start.message(), HasSubstr(absl::StrCat(rpc, " was not run: audit log ", path)));
    EXPECT_THAT(start.message(), HasSubstr("open: No such file or directory"));
    EXPECT_THAT(start.message(), HasSubstr("nothing was changed"));
  }
  // A lease renewal and the reads go on: they write nothing to the audit log.
  for (const char* rpc : {"Endpoints.Renew", "Endpoints.Get", "Agent.GetInfo"}) {
    EXPECT_TRUE(gate.CheckStart(false, Admitted(gate, rpc)).ok()) << rpc;
  }
  // Once the folder exists the same call starts.
  std::filesystem::create_directories(dir_ / "missing");
  EXPECT_TRUE(gate.CheckStart(false, Admitted(gate, "Endpoints.Set")).ok());
}

TEST_F(AuditGateTest, ReserveKeepsTheLogsSizeAndAllocatesAhead) {
  AuditLog audit(Path("audit.log"));
  ASSERT_TRUE(audit.Reserve().ok());
  struct stat st {};
  ASSERT_EQ(stat(Path("audit.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);  // nothing written: a reader sees an empty log
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  AuditRecord r;
  r.rpc = "Endpoints.Set";
  ASSERT_TRUE(audit.Append(r).ok());
  std::ifstream in(Path("audit.log"));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_THAT(line, HasSubstr("\"rpc\":\"Endpoints.Set\""));
}

}  // namespace
}  // namespace osfleet::agent

// A server.hsconf that is a symlink, is swapped for something else, or sits on a full
// disk: the agent refuses or fails cleanly and the file stays whole.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/model/revision.h"
#include "tests/integration/client.h"
#include "tests/integration/harness.h"
#include "tests/support/status_matchers.h"

namespace osfleet::testing {
namespace {

using ::testing::HasSubstr;

// A tiny tmpfs mounted for the test's lifetime (root only).
class TinyDisk {
 public:
  TinyDisk(const std::string& dir, const std::string& size) : dir_(dir) {
    mkdir(dir_.c_str(), 0755);
    mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~TinyDisk() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.' || std::string(e->d_name).size() > 2) out.push_back(e->d_name);
    }
    closedir(d);
  }
  return out;
}

// Starts an agent on an hsconf path prepared by the caller.
std::unique_ptr<Agent> StartOn(const std::string& dir, const std::string& hsconf) {
  AgentOptions options{"fe01", "front_end", ""};
  options.hsconf = hsconf;
  auto agent = std::make_unique<Agent>(dir, options);
  EXPECT_TRUE(agent->WaitReady()) << ReadFile(agent->log());
  return agent;
}

TEST(HostileFiles, SymlinkedHsconfIsEditedThroughTheLink) {
  TempDir tmp;
  const std::string real = tmp.Sub("real.hsconf"), link = tmp.Sub("server-link.hsconf");
  CopyFile(FixturePath("sqlserver-dc.hsconf"), real);
  ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
  auto agent = StartOn(tmp.Sub("agent"), link);
  AgentClient client(agent->address());
  v1::SetEndpointsResponse resp;
  ASSERT_OK(client.Set(v1::DATABASE_PLATFORM, "SQLNEW", client.Revision(), &resp));
  struct stat st {};
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));  // still a link
  EXPECT_THAT(ReadFile(real), HasSubstr(">SQLNEW<"));
}

TEST(HostileFiles, HsconfSwappedForSomethingElseIsRefused) {
  TempDir tmp;
  const std::string hsconf = tmp.Sub("server.hsconf");
  CopyFile(FixturePath("sqlserver-dc.hsconf"), hsconf);
  auto agent = StartOn(tmp.Sub("agent"), hsconf);
  AgentClient client(agent->address());
  const std::string revision = client.Revision();
  // Swapped for a link to a file that is not an hsconf: refused, the target untouched.
  const std::string other = tmp.Sub("not-hsconf.txt");
  WriteFile(other, "root:x:0:0:root:/root:/bin/bash\n");
  ASSERT_EQ(unlink(hsconf.c_str()), 0);
  ASSERT_EQ(symlink(other.c_str(), hsconf.c_str()), 0);
  v1::SetEndpointsResponse resp;
  grpc::Status set = client.Set(v1::DATABASE_PLATFORM, "SQLNEW", revision, &resp);
  EXPECT_EQ(set.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(set.error_message(), HasSubstr("not well-formed XML"));
  EXPECT_THAT(set.error_message(), ::testing::Not(HasSubstr("root:x")));  // no content leaks
  EXPECT_EQ(ReadFile(other), "root:x:0:0:root:/root:/bin/bash\n");
  // Swapped for a FIFO: refused at once, the agent does not hang on it.
  ASSERT_EQ(unlink(hsconf.c_str()), 0);
  ASSERT_EQ(mkfifo(hsconf.c_str(), 0644), 0);
  v1::GetEndpointsResponse get;
  grpc::Status got = client.endpoints().Get(client.Context().get(), {}, &get);
  EXPECT_EQ(got.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(got.error_message(), HasSubstr("not a regular file"));
}

TEST(HostileFiles, FullDiskDuringTheWriteLeavesTheFileWhole) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tiny tmpfs needs root";
  TempDir tmp;
  const std::string disk_dir = tmp.Sub("disk");
  TinyDisk disk(disk_dir, "16k");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount tmpfs here";
  const std::string hsconf = disk_dir + "/server.hsconf";
  const std::string original = ReadFile(FixturePath("sqlserver-dc.hsconf"));
  WriteFile(hsconf, original);
  WriteFile(disk_dir + "/filler", std::string(16 * 1024, 'x'));  // fills what is left
  auto agent = StartOn(tmp.Sub("agent"), hsconf);  // its state dir is on the normal disk
  AgentClient client(agent->address());
  v1::SetEndpointsResponse resp;
  grpc::Status set = client.Set(v1::DATABASE_PLATFORM, "SQLNEW", Sha256Hex(original), &resp);
  EXPECT_FALSE(set.ok());
  EXPECT_THAT(set.error_message(), HasSubstr("No space left on device"));
  EXPECT_EQ(ReadFile(hsconf), original);  // whole, not truncated
  EXPECT_THAT(Entries(disk_dir), ::testing::UnorderedElementsAre("server.hsconf", "filler"));
  // The agent still serves, and once there is room the same change goes through.
  unlink((disk_dir + "/filler").c_str());
  EXPECT_OK(client.Set(v1::DATABASE_PLATFORM, "SQLNEW", Sha256Hex(original), &resp));
  EXPECT_THAT(ReadFile(hsconf), HasSubstr(">SQLNEW<"));
}

}  // namespace
}  // namespace osfleet::testing

// The one-time move of old rollout journals (common/platform/state_move.h), the same code on
// every system: what moves, what never does, what is said, two osctl at once.
#include "common/platform/state_move.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/platform/file_lock.h"
#include "common/platform/files.h"
#include "gtest/gtest.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace osfleet::platform {
namespace {

using std::chrono::milliseconds;
using testing::ModeOf;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

class StateMoveTest : public ::testing::Test {
 protected:
  StateMoveTest() : old_(dir_.Sub("old")), new_(dir_.Sub("new")) {}

  // A journal an older osctl wrote: mode 0600 in a 0700 folder.
  void OldJournal(const std::string& state, const std::string& name, const std::string& text) {
    MakeFolder(state + "/rollouts");
    WriteFile(state + "/rollouts/" + name, text);
    SetFileMode(state + "/rollouts/" + name, 0600);
  }
  static void MakeFolder(const std::string& path) {
    ASSERT_TRUE(MakeDirs(path, 0700).ok()) << path;
  }
  std::vector<std::string> Move(const std::vector<std::string>& old_dirs) {
    Result<std::vector<std::string>> lines = MoveOldJournals(old_dirs, new_, milliseconds(10000));
    EXPECT_TRUE(lines.ok()) << lines.error().Message();
    return lines.ok() ? *lines : std::vector<std::string>{"(failed)"};
  }

  TempDir dir_;
  const std::string old_;
  const std::string new_;
};

TEST_F(StateMoveTest, EveryJournalMovesOnceAndOneLineSaysWhereTo) {
  OldJournal(old_, "20261127-020301-3f9a.json", "{\"id\": \"a\"}\n");
  OldJournal(old_, "20261128-101500-0b1c.json", "{\"id\": \"b\"}\n");
  WriteFile(old_ + "/rollouts/.20261128-101500-0b1c.json.tmp-AbC123", "half");
  WriteFile(old_ + "/rollouts/notes.txt", "mine");

  EXPECT_EQ(Move({old_}),
            std::vector<std::string>{"moved 2 rollout journals from " + old_ + "/rollouts to " +
                                     new_ + "/rollouts (where osctl keeps them now)"});
  EXPECT_EQ(ReadFile(new_ + "/rollouts/20261127-020301-3f9a.json"), "{\"id\": \"a\"}\n");
  EXPECT_EQ(ReadFile(new_ + "/rollouts/20261128-101500-0b1c.json"), "{\"id\": \"b\"}\n");
  EXPECT_EQ(ModeOf(new_ + "/rollouts/20261127-020301-3f9a.json"), 0600u);
  EXPECT_EQ(ModeOf(new_), 0700u);
  EXPECT_EQ(ModeOf(new_ + "/rollouts"), 0700u);
  EXPECT_FALSE(PathExists(old_ + "/rollouts/20261127-020301-3f9a.json"));
  // Not journals: a temp file of an interrupted write, the operator's own file.
  EXPECT_TRUE(PathExists(old_ + "/rollouts/.20261128-101500-0b1c.json.tmp-AbC123"));
  EXPECT_TRUE(PathExists(old_ + "/rollouts/notes.txt"));
  EXPECT_FALSE(PathExists(new_ + "/rollouts/notes.txt"));

  EXPECT_EQ(Move({old_}), std::vector<std::string>{});  // once: nothing is left to say
}

TEST_F(StateMoveTest, AJournalOfTheSameNameIsNeverOverwrittenBothStay) {
  OldJournal(old_, "20261127-020301-3f9a.json", "old copy\n");
  OldJournal(old_, "20261128-101500-0b1c.json", "moves\n");
  MakeFolder(new_ + "/rollouts");
  WriteFile(new_ + "/rollouts/20261127-020301-3f9a.json", "new copy\n");

  const std::string kept = old_ + "/rollouts/20261127-020301-3f9a.json";
  EXPECT_EQ(Move({old_}),
            (std::vector<std::string>{
                "moved 1 rollout journal from " + old_ + "/rollouts to " + new_ +
                    "/rollouts (where osctl keeps them now)",
                "left " + kept + " where it is: " + new_ +
                    "/rollouts/20261127-020301-3f9a.json exists already (compare the two, keep "
                    "one)"}));
  EXPECT_EQ(ReadFile(new_ + "/rollouts/20261127-020301-3f9a.json"), "new copy\n");
  EXPECT_EQ(ReadFile(kept), "old copy\n");
  EXPECT_EQ(ReadFile(new_ + "/rollouts/20261128-101500-0b1c.json"), "moves\n");
}

TEST_F(StateMoveTest, EachOldFolderIsMovedAndNamed) {
  const std::string other = dir_.Sub("home-state");
  OldJournal(old_, "a.json", "a");
  OldJournal(other, "b.json", "b");
  OldJournal(other, "c.json", "c");
  EXPECT_EQ(Move({dir_.Sub("missing"), old_, other}),
            (std::vector<std::string>{"moved 1 rollout journal from " + old_ + "/rollouts to " +
                                          new_ + "/rollouts (where osctl keeps them now)",
                                      "moved 2 rollout journals from " + other + "/rollouts to " +
                                          new_ + "/rollouts (where osctl keeps them now)"}));
  EXPECT_EQ(ReadFile(new_ + "/rollouts/c.json"), "c");
}

TEST_F(StateMoveTest, NothingToMoveCreatesAndSaysNothing) {
  MakeFolder(old_ + "/rollouts");  // an old folder without journals
  EXPECT_EQ(Move({old_, dir_.Sub("missing")}), std::vector<std::string>{});
  EXPECT_EQ(Move({}), std::vector<std::string>{});
  EXPECT_FALSE(PathExists(new_));
}

TEST_F(StateMoveTest, AnotherOsctlMovingHoldsTheLockThenNothingMoves) {
  OldJournal(old_, "a.json", "a");
  MakeFolder(new_);
  Result<FileLock> other = FileLock::Acquire(new_ + "/.move.lock");
  ASSERT_TRUE(other.ok()) << other.error().Message();
  Result<std::vector<std::string>> lines = MoveOldJournals({old_}, new_, milliseconds(50));
  ASSERT_FALSE(lines.ok());
  EXPECT_EQ(lines.error().code, make_error_code(Errc::kLockHeld));
  EXPECT_EQ(lines.error().Message(),
            new_ + "/.move.lock is locked by another osctl (waited 50 ms)");
  EXPECT_TRUE(PathExists(old_ + "/rollouts/a.json"));
  EXPECT_FALSE(PathExists(new_ + "/rollouts/a.json"));
}

TEST_F(StateMoveTest, TwoOsctlAtOnceMoveEveryJournalExactlyOnce) {
  constexpr int kJournals = 60;
  for (int i = 0; i < kJournals; ++i) OldJournal(old_, std::to_string(1000 + i) + ".json", "j");
  std::vector<std::string> first, second;
  std::thread a([&] { first = Move({old_}); });
  std::thread b([&] { second = Move({old_}); });
  a.join();
  b.join();
  // One moved them all (the other found none left once it had the lock), or, had the
  // second listed before the first took the lock, it moved none: never an error, a
  // "left ... exists" or a journal lost.
  int moved = 0;
  for (const std::vector<std::string>* lines : {&first, &second}) {
    ASSERT_LE(lines->size(), 1u);
    if (!lines->empty()) {
      EXPECT_EQ(lines->front().rfind("moved ", 0), 0u) << lines->front();
      moved += std::stoi(lines->front().substr(6));
    }
  }
  EXPECT_EQ(moved, kJournals);
  for (int i = 0; i < kJournals; ++i) {
    EXPECT_EQ(ReadFile(new_ + "/rollouts/" + std::to_string(1000 + i) + ".json"), "j");
    EXPECT_FALSE(PathExists(old_ + "/rollouts/" + std::to_string(1000 + i) + ".json"));
  }
}

}  // namespace
}  // namespace osfleet::platform

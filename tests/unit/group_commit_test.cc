// GroupCommitter: writes of one batch share a transaction without savepoints; a write that fails
// after changing something is undone by replaying the batch, a failed write that changed nothing
// costs nothing, and every other write of the batch is kept either way. A small batch is synced by
// the writer itself, a larger one by the syncer.
#include "store/sqlite/group_commit.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <filesystem>
#include <future>
#include <map>
#include <string>

#include "core/ids.h"

namespace hookd::store::sqlite {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hookd-gc-" + core::NewId("t").substr(2));
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(db_.Open((dir_ / "t.db").string(), false));
    ASSERT_TRUE(db_.Exec("PRAGMA journal_mode=WAL"));
    ASSERT_TRUE(db_.Exec("CREATE TABLE t (k TEXT PRIMARY KEY)"));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A write inserting `keys`, then failing when `fail`; counts how often it was applied.
  WriteTask Insert(std::vector<std::string> keys, bool fail = false) {
    auto done = std::make_shared<std::promise<core::Status>>();
    finished_.push_back(done->get_future());
    return {[this, keys, fail](Db& db) {
              ++applied_[keys.empty() ? "" : keys[0]];
              for (const auto& k : keys)
                if (!db.Prepare("INSERT INTO t VALUES (?)").Bind(1, k).Run()) return false;
              return !fail;
            },
            [done](const core::Status& s) { done->set_value(s); }};
  }

  // Submits every task before the writer starts, so they form one batch; waits for them all.
  void RunOneBatch(std::vector<WriteTask> tasks) {
    GroupCommitter writer(db_,
                          {.on_rollback = [this](bool batch) { rollbacks_.push_back(batch); }});
    for (auto& t : tasks) ASSERT_TRUE(writer.Submit(std::move(t)));
    writer.Start();
    for (auto& f : finished_) EXPECT_TRUE(f.get());
    writer.Stop();
    EXPECT_EQ(writer.commits(), 1u);
  }

  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    auto s = db_.Prepare("SELECT k FROM t ORDER BY k");
    while (s.Step()) keys.push_back(s.Text(0));
    return keys;
  }

  std::filesystem::path dir_;
  Db db_;
  std::vector<std::future<core::Status>> finished_;
  std::map<std::string, int> applied_;
  std::vector<bool> rollbacks_;
};

TEST_F(GroupCommitTest, AFailedWriteThatChangedRowsIsUndoneAndTheOthersKept) {
  RunOneBatch({Insert({"a"}), Insert({"b1", "b2"}, /*fail=*/true), Insert({"c"})});
  EXPECT_EQ(Keys(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(applied_["a"], 2);   // replayed once, in a savepoint
  EXPECT_EQ(applied_["b1"], 1);  // the failed write is not applied again
  EXPECT_EQ(applied_["c"], 1);
  EXPECT_EQ(rollbacks_, (std::vector<bool>{true}));
}

TEST_F(GroupCommitTest, AFailedStatementOnlyUndoesItselfWithoutAReplay) {
  // The duplicate key fails the second write's only statement: SQLite undoes the statement, the
  // write changed nothing, and the batch goes on without a replay.
  RunOneBatch({Insert({"a"}), Insert({"a"}), Insert({"c"})});
  EXPECT_EQ(Keys(), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(applied_["a"], 2);  // once per write
  EXPECT_EQ(applied_["c"], 1);
  EXPECT_TRUE(rollbacks_.empty());
}

TEST_F(GroupCommitTest, AfterAReplayLaterFailuresRollBackOnlyThemselves) {
  RunOneBatch({Insert({"a"}), Insert({"b1", "b2"}, true), Insert({"c"}), Insert({"d1", "d2"}, true),
               Insert({"e"})});
  EXPECT_EQ(Keys(), (std::vector<std::string>{"a", "c", "e"}));
  EXPECT_EQ(applied_["a"], 2);
  EXPECT_EQ(applied_["c"], 1);
  EXPECT_EQ(applied_["e"], 1);
  EXPECT_EQ(rollbacks_, (std::vector<bool>{true, false}));
}

TEST_F(GroupCommitTest, TheWriterCheckpointsSoThatTheWalStartsOver) {
  // SQLite's automatic checkpoint (every 1,000 frames) is replaced by the writer's: with a
  // threshold of 16 frames the WAL starts over long before it could hold 300 commits' pages.
  GroupCommitter writer(db_, {.checkpoint_frames = 16});
  writer.Start();
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(writer.Submit(Insert({std::to_string(i) + std::string(3000, 'x')})));
    ASSERT_TRUE(finished_.back().get());  // one commit each
  }
  writer.Stop();
  EXPECT_EQ(writer.commits(), 300u);
  EXPECT_EQ(Keys().size(), 300u);
  // Each commit writes a few pages; the WAL stays near 16 of them (4,120 bytes per frame).
  EXPECT_LT(std::filesystem::file_size(dir_ / "t.db-wal"), 40u * 4120);
  EXPECT_GT(std::filesystem::file_size(dir_ / "t.db"), 300u * 3000);  // copied into the database
}

TEST_F(GroupCommitTest, ItsThreadsAreNamedAndScheduledAsBatchThreads) {
  // What each thread reports about itself: name and scheduling policy.
  auto self = [] {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    return std::string(name) + (sched_getscheduler(0) == SCHED_BATCH ? " batch" : " other");
  };
  std::promise<std::string> applied_on, synced_on;
  GroupCommitter writer(db_, {.writer_sync_max = 0});  // every batch goes to the syncer
  writer.Start();
  ASSERT_TRUE(writer.Submit(WriteTask{[&](Db&) {
                                        applied_on.set_value(self());
                                        return true;
                                      },
                                      [&](const core::Status&) { synced_on.set_value(self()); }}));
  EXPECT_EQ(applied_on.get_future().get(), "hookd-writer batch");
  EXPECT_EQ(synced_on.get_future().get(), "hookd-sync batch");
  writer.Stop();
}

TEST_F(GroupCommitTest, TheWriterSyncsASmallBatchItselfAndHandsALargerOneToTheSyncer) {
  // Each write reports the thread that made it durable.
  std::vector<std::future<std::string>> synced_on;
  auto write = [&](std::string key) {
    auto on = std::make_shared<std::promise<std::string>>();
    synced_on.push_back(on->get_future());
    return WriteTask{[key](Db& db) {
                       return db.Prepare("INSERT INTO t VALUES (?)").Bind(1, key).Run().has_value();
                     },
                     [on](const core::Status& durable) {
                       char name[16] = {};
                       pthread_getname_np(pthread_self(), name, sizeof name);
                       on->set_value(durable ? name : "failed");
                     }};
  };
  GroupCommitter writer(db_, {.wal_path = (dir_ / "t.db-wal").string(), .writer_sync_max = 2});
  for (auto key : {"a", "b", "c"}) ASSERT_TRUE(writer.Submit(write(key)));
  writer.Start();  // the three queued writes form one batch: larger than 2
  for (int i = 0; i < 3; ++i) EXPECT_EQ(synced_on[i].get(), "hookd-sync");
  ASSERT_TRUE(writer.Submit(write("d")));  // a lone write
  EXPECT_EQ(synced_on[3].get(), "hookd-writer");
  writer.Stop();
  EXPECT_EQ(writer.commits(), 2u);
  EXPECT_EQ(writer.syncs(), 2u);
  EXPECT_EQ(Keys(), (std::vector<std::string>{"a", "b", "c", "d"}));
}

}  // namespace
}  // namespace hookd::store::sqlite

// The VFS that gathers WAL frames (store/sqlite/wal_vfs.h): a commit reaches the WAL file in one
// write, is there as soon as COMMIT returns (a copy of the files recovers it), and large commits,
// spilled and rolled-back transactions and a second writer leave the data intact.
#include "store/sqlite/wal_vfs.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "core/ids.h"
#include "store/sqlite/db.h"

namespace hookd::store::sqlite {
namespace {

namespace fs = std::filesystem;

class WalVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hookd-wal-" + core::NewId("t").substr(2));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static void OpenWal(Db& db, const std::string& path) {
    ASSERT_TRUE(db.Open(path, false));
    ASSERT_TRUE(db.Exec("PRAGMA journal_mode=WAL"));
    ASSERT_TRUE(db.Exec("PRAGMA synchronous=NORMAL"));
  }
  static void Insert(Db& db, int from, int n, size_t bytes) {
    for (int i = from; i < from + n; ++i)
      ASSERT_TRUE(db.Prepare("INSERT INTO t VALUES (?, ?)")
                      .Bind(1, i)
                      .Bind(2, std::string(bytes, static_cast<char>('a' + i % 26)))
                      .Run());
  }
  static int64_t Count(Db& db) {
    auto s = db.Prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(s.Step());
    return s.Int(0);
  }
  // What a crash now would leave: a copy of the database and its WAL, opened (SQLite recovers
  // the WAL's commits). Its row count, or -1 when it is not intact. Once per test.
  int64_t CountInCopy() {
    fs::copy_file(Path("t.db"), Path("copy.db"));
    fs::copy_file(Path("t.db-wal"), Path("copy.db-wal"));
    Db copy;
    EXPECT_TRUE(copy.Open(Path("copy.db"), false));
    return IntegrityCheck(copy) == "ok" ? Count(copy) : -1;
  }
  static std::string IntegrityCheck(Db& db) {
    auto s = db.Prepare("PRAGMA integrity_check");
    EXPECT_TRUE(s.Step());
    return s.Text(0);
  }

  fs::path dir_;
};

TEST_F(WalVfsTest, ACommitIsOneWriteAndOnFileWhenCommitReturns) {
  Db writer, reader;
  OpenWal(writer, Path("t.db"));
  ASSERT_TRUE(writer.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  ASSERT_TRUE(reader.Open(Path("t.db"), true));
  ASSERT_EQ(Count(reader), 0);

  WalWriteCounts before = WalWrites();
  ASSERT_TRUE(writer.Exec("BEGIN"));
  Insert(writer, 0, 40, 1000);  // ~10 pages
  ASSERT_TRUE(writer.Exec("COMMIT"));
  WalWriteCounts after = WalWrites();
  EXPECT_GE(after.asked - before.asked, 20u);  // a header and a page per frame
  EXPECT_EQ(after.written - before.written, 1u);
  EXPECT_EQ(Count(reader), 40);

  EXPECT_EQ(CountInCopy(), 40);
}

TEST_F(WalVfsTest, LargeSpilledAndRolledBackTransactionsAndASecondWriterKeepTheData) {
  Db a, b;
  OpenWal(a, Path("t.db"));
  ASSERT_TRUE(a.Exec("PRAGMA cache_size=16"));  // transactions spill frames before COMMIT
  ASSERT_TRUE(a.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  OpenWal(b, Path("t.db"));

  ASSERT_TRUE(a.Exec("BEGIN"));
  Insert(a, 0, 3000, 1000);  // ~3 MB: spilled, then more than one gathered write
  ASSERT_TRUE(a.Exec("COMMIT"));
  ASSERT_TRUE(a.Exec("BEGIN"));
  Insert(a, 3000, 1000, 1000);  // spilled frames of a transaction that does not commit
  ASSERT_TRUE(a.Exec("ROLLBACK"));
  ASSERT_TRUE(b.Exec("BEGIN"));
  Insert(b, 5000, 200, 1000);  // another writer's frames where the rolled-back ones were
  ASSERT_TRUE(b.Exec("COMMIT"));
  Insert(a, 6000, 10, 1000);
  EXPECT_EQ(Count(a), 3210);
  EXPECT_EQ(Count(b), 3210);

  EXPECT_EQ(CountInCopy(), 3210);

  ASSERT_TRUE(a.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  Insert(b, 7000, 10, 1000);  // a new WAL after the checkpoint
  EXPECT_EQ(Count(a), 3220);
  EXPECT_EQ(IntegrityCheck(a), "ok");
}

// The WAL may not grow (a file size limit): the commit's gathered write fails, so COMMIT fails
// and nothing of it is visible; once the WAL may grow again, commits work.
TEST_F(WalVfsTest, AFailedWriteFailsTheCommit) {
  Db db;
  OpenWal(db, Path("t.db"));
  ASSERT_TRUE(db.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  Insert(db, 0, 10, 100);
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto saved_handler = std::signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG
  rlimit limit = saved;
  limit.rlim_cur = fs::file_size(Path("t.db-wal")) + 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  ASSERT_TRUE(db.Exec("BEGIN"));
  Insert(db, 10, 40, 1000);
  bool committed = static_cast<bool>(db.Exec("COMMIT"));
  if (db.InTransaction()) (void)db.Exec("ROLLBACK");
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, saved_handler);
  EXPECT_FALSE(committed);
  EXPECT_EQ(Count(db), 10);
  Insert(db, 10, 40, 1000);
  EXPECT_EQ(Count(db), 50);
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

}  // namespace
}  // namespace hookd::store::sqlite

// The page cache wrapper (store/sqlite/page_cache.h) skips only truncations with nothing to
// drop. Random keys make B-tree balances renumber pages.
#include "store/sqlite/page_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "core/ids.h"
#include "store/sqlite/db.h"

namespace hookd::store::sqlite {
namespace {

// Balances renumber pages, rolled-back growths and shrinks (auto-vacuum) leave pages past the
// end of the file: the data stays exactly what was committed.
TEST(PageCacheTest, DataStaysIntactThroughRenumberingRollbacksAndShrinks) {
  auto dir = std::filesystem::temp_directory_path() / ("hookd-pc-" + core::NewId("t").substr(2));
  std::filesystem::create_directories(dir);
  {
    Db db;
    ASSERT_TRUE(db.Open((dir / "t.db").string(), false));
    ASSERT_TRUE(db.Exec("PRAGMA auto_vacuum=FULL"));
    ASSERT_TRUE(db.Exec("PRAGMA journal_mode=WAL"));
    ASSERT_TRUE(db.Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID"));
    std::mt19937 rng(7);
    auto fill = [&](int n, const std::string& v) {
      for (int i = 0; i < n; ++i)
        ASSERT_TRUE(db.Prepare("INSERT OR REPLACE INTO t VALUES (?, ?)")
                        .Bind(1, std::to_string(rng()))
                        .Bind(2, v + std::string(200, 'x'))
                        .Run());
    };
    for (int round = 0; round < 20; ++round) {
      ASSERT_TRUE(db.Exec("BEGIN"));
      fill(300, "kept");
      ASSERT_TRUE(db.Exec("COMMIT"));
      ASSERT_TRUE(db.Exec("BEGIN"));
      fill(500, "gone");  // grows the file, then rolls back
      ASSERT_TRUE(db.Exec("ROLLBACK"));
      fill(200, "gone");  // grows the file, then shrinks it again
      ASSERT_TRUE(db.Exec("DELETE FROM t WHERE v LIKE 'gone%'"));
    }
    auto gone = db.Prepare("SELECT count(*) FROM t WHERE v LIKE 'gone%'");
    ASSERT_TRUE(gone.Step());
    EXPECT_EQ(gone.Int(0), 0);
    auto kept = db.Prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(kept.Step());
    EXPECT_EQ(kept.Int(0), 20 * 300);
    auto check = db.Prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.Step());
    EXPECT_EQ(check.Text(0), "ok");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hookd::store::sqlite

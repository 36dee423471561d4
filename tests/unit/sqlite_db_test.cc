// The SQLite connection wrapper (store/sqlite/db.h): cached statements stay prepared.
#include <gtest/gtest.h>

#include <string>

#include "store/sqlite/db.h"

namespace hookd::store::sqlite {
namespace {

// A join on bound parameters over a table with a partial index: SQLite's planner would look at
// the bound values and prepare the statement again whenever they change.
TEST(SqliteDbTest, ACachedJoinIsNotPreparedAgainForNewValues) {
  Db db;
  ASSERT_TRUE(db.Open(":memory:", false));
  ASSERT_TRUE(
      db.Exec("CREATE TABLE m (id TEXT PRIMARY KEY, a TEXT) WITHOUT ROWID;"
              " CREATE INDEX m_a ON m(a) WHERE a IS NOT NULL;"
              " CREATE TABLE e (id TEXT PRIMARY KEY, d INTEGER) WITHOUT ROWID;"
              " INSERT INTO m VALUES ('m1', 'x'), ('m2', NULL), ('m3', 'y');"
              " INSERT INTO e VALUES ('e1', 1), ('e2', 0), ('e3', 1);"));
  const std::string sql = "SELECT m.a, e.d FROM m, e WHERE m.id = ?1 AND e.id = ?2";
  for (const char* n : {"1", "2", "3"}) {
    auto s = db.Prepare(sql);
    s.Bind(1, std::string("m") + n).Bind(2, std::string("e") + n);
    ASSERT_TRUE(s.Step());
    EXPECT_EQ(s.Int(1), n[0] == '2' ? 0 : 1);
  }
  EXPECT_EQ(db.TimesPreparedAgain(sql), 0);
}

}  // namespace
}  // namespace hookd::store::sqlite

// store::BackupSqlite against a store that keeps writing: the copy is one consistent snapshot,
// made in several steps, and opens as a store with everything committed before it began.
#include "store/backup.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace hookd::store {
namespace {

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hookd-backup-" + core::NewId("t").substr(2));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> Open(const std::string& path) {
    auto s = sqlite::MakeSqliteStore({.path = path}, core::SystemClock::Instance());
    EXPECT_TRUE(s->Init());
    return s;
  }
  // About 8 KiB.
  const std::string payload_ = R"({"pad":")" + std::string(8000, 'x') + R"("})";

  core::Result<core::Message> Post(Store& store, const std::string& app_id, int i) {
    core::Message m{core::NewId("msg"), app_id, "e" + std::to_string(i), "t", payload_};
    m.created_at = core::SystemClock::Instance().Now();
    return Wait<core::Message>([&](Done<core::Message> d) { store.CreateMessage(m, {}, {}, d); });
  }
  static int64_t Query(const std::string& path, const char* sql, std::string* text = nullptr) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
      n = sqlite3_column_int64(st, 0);
      if (text) *text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  std::filesystem::path dir_;
};

TEST_F(BackupTest, CopiesOneSnapshotWhileTheStoreWrites) {
  auto store = Open((dir_ / "hookd.db").string());
  core::App app{core::NewId("app"), "a", "App"};
  ASSERT_TRUE(Wait<core::App>([&](Done<core::App> d) { store->CreateApp(app, {}, d); }));
  constexpr int kBefore = 800;  // ~6 MiB: more pages than one backup step copies
  for (int i = 0; i < kBefore; ++i) ASSERT_TRUE(Post(*store, app.id, i));

  std::atomic<bool> done{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = kBefore; !done; ++i)
      if (Post(*store, app.id, i)) ++written;
  });
  int steps = 0;
  std::string dest = (dir_ / "copy.db").string();
  auto s = BackupSqlite((dir_ / "hookd.db").string(), dest, [&](const BackupProgress& p) {
    ++steps;
    EXPECT_LE(p.pages_done, p.pages_total);
  });
  done = true;
  writer.join();
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_GT(steps, 1);
  EXPECT_GT(written.load(), 0);

  std::string check;
  Query(dest, "PRAGMA integrity_check", &check);
  EXPECT_EQ(check, "ok");
  auto copied = Query(dest, "SELECT count(*) FROM messages");
  EXPECT_GE(copied, kBefore);
  EXPECT_LE(copied, kBefore + written.load());
  EXPECT_EQ(std::filesystem::status(dest).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  store->Close();
  auto copy = Open(dest);
  for (int i = 0; i < kBefore; i += 97) {
    auto m = copy->GetMessage(app.id, "e" + std::to_string(i));
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->payload, payload_);
  }
  copy->Close();
}

TEST_F(BackupTest, FailureLeavesNothingBehind) {
  auto store = Open((dir_ / "hookd.db").string());
  store->Close();
  auto s = BackupSqlite((dir_ / "hookd.db").string(), (dir_ / "no" / "copy.db").string());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("cannot create a file in"), std::string::npos);
  EXPECT_FALSE(BackupSqlite((dir_ / "none.db").string(), (dir_ / "copy.db").string()));
  s = BackupSqlite((dir_ / "hookd.db").string(), dir_.string());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("is a directory"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "copy.db"));
}

}  // namespace
}  // namespace hookd::store

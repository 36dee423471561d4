// hookd backup's engine: SQLite's online backup API from one read snapshot (see store/backup.h).
#include "store/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace hookd::store {
namespace {

using core::ErrorCode;

// 1,024 pages (4 MiB at SQLite's default page size) per step: progress stays visible and no
// step holds the source's lock for long.
constexpr int kPagesPerStep = 1024;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;

core::Status Failed(const std::string& what, sqlite3* db) {
  return core::Fail(ErrorCode::kInternal,
                    what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

core::Result<DbPtr> OpenDb(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return std::unexpected(Failed("cannot open " + path, raw).error());
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

core::Status Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    return Failed(std::string("cannot run ") + sql, db);
  return {};
}

core::Status Fsync(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return core::Fail(ErrorCode::kInternal, "cannot open " + path + " to sync it");
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return core::Fail(ErrorCode::kInternal, "cannot sync " + path);
  return {};
}

// Copies every page of `src` into `dst`, `kPagesPerStep` at a time.
core::Status CopyPages(sqlite3* src, sqlite3* dst,
                       const std::function<void(const BackupProgress&)>& progress) {
  sqlite3_backup* backup = sqlite3_backup_init(dst, "main", src, "main");
  if (!backup) return Failed("cannot start the backup", dst);
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    int total = sqlite3_backup_pagecount(backup);
    if (progress) progress({total - sqlite3_backup_remaining(backup), total});
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return Failed("backup step failed (" + std::to_string(rc) + ")", dst);
  return {};
}

// Writes the copy into `tmp` and makes it durable there.
core::Status WriteCopy(const std::string& db_path, const std::string& tmp,
                       const std::function<void(const BackupProgress&)>& progress) {
  auto src = OpenDb(db_path, SQLITE_OPEN_READONLY);
  if (!src) return std::unexpected(src.error());
  // One read transaction for the whole copy: every step reads the same snapshot, so commits by
  // the server meanwhile neither restart the backup nor end up half in it.
  if (auto s = Exec(src->get(), "BEGIN; SELECT count(*) FROM sqlite_schema"); !s) return s;
  auto dst = OpenDb(tmp, SQLITE_OPEN_READWRITE);
  if (!dst) return std::unexpected(dst.error());
  if (auto s = CopyPages(src->get(), dst->get(), progress); !s) return s;
  // The copied header says WAL; a backup is one file, readable without -wal/-shm beside it.
  if (auto s = Exec(dst->get(), "PRAGMA journal_mode=DELETE"); !s) return s;
  dst->reset();
  return Fsync(tmp, O_RDONLY);
}

}  // namespace

core::Status BackupSqlite(const std::string& db_path, const std::string& dest,
                          const std::function<void(const BackupProgress&)>& progress) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db_path, ec))
    return core::Fail(ErrorCode::kNotFound, "no database at " + db_path);
  if (std::filesystem::equivalent(db_path, dest, ec))
    return core::Fail(ErrorCode::kBadRequest, dest + " is the database itself");
  if (std::filesystem::is_directory(dest, ec))
    return core::Fail(ErrorCode::kBadRequest, dest + " is a directory; name the file to write");
  auto dir = std::filesystem::path(dest).parent_path();
  if (dir.empty()) dir = ".";
  // mkstemp creates the file 0600: the copy holds signing secrets like the store.
  std::string tmp = dest + ".tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0)
    return core::Fail(ErrorCode::kInternal,
                      "cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  close(fd);
  auto s = WriteCopy(db_path, tmp, progress);
  if (s && std::rename(tmp.c_str(), dest.c_str()) != 0)
    s = core::Fail(ErrorCode::kInternal, "cannot rename " + tmp + " to " + dest);
  if (!s) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) unlink((tmp + suffix).c_str());
    return s;
  }
  return Fsync(dir.string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace hookd::store

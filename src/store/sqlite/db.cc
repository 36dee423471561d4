#include "store/sqlite/db.h"

#include <sqlite3.h>

#include <stdexcept>

#include "store/sqlite/page_cache.h"
#include "store/sqlite/wal_vfs.h"

namespace hookd::store::sqlite {

using core::ErrorCode;

core::Error ErrorOf(int rc, const std::string& message) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return {ErrorCode::kStorageFull, "the disk is full: " + message, {}};
    case SQLITE_IOERR:
      return {ErrorCode::kUnavailable, "the disk failed: " + message, {}};
    case SQLITE_CONSTRAINT:
      // A missing parent (e.g. the app was deleted meanwhile) is "not found", not a conflict.
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return {ErrorCode::kNotFound, "the record it belongs to no longer exists", {}};
      return {ErrorCode::kConflict, message, {}};
    default:
      return {ErrorCode::kInternal, message, {}};
  }
}

Stmt::~Stmt() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

bool Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    sqlite3* db = sqlite3_db_handle(s_);
    // A missing parent (e.g. the app was deleted meanwhile) is "not found", not a conflict.
    error_ = ErrorOf(rc, sqlite3_errmsg(db));
  }
  return false;
}

core::Status Stmt::Run() {
  while (Step()) {
  }
  if (error_) return std::unexpected(*error_);
  return {};
}

std::string Stmt::Text(int col) const {
  auto p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col))
           : std::string();
}
std::optional<std::string> Stmt::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }
std::optional<int64_t> Stmt::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

void Db::TakeOverCheckpoints() {
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<Db*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      },
      this);
}

core::Status Db::Checkpoint() {
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    return std::unexpected(ErrorOf(rc, sqlite3_errmsg(db_)));
  return {};
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close_v2(db_);
}

namespace {
// Process-wide settings, applied before the first connection opens: connections are used by one
// thread at a time, so SQLite's global allocator statistics (a mutex on every malloc) are off.
struct GlobalConfig {
  GlobalConfig() {
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    InstallPageCache();
    InstallWalVfs();  // initializes SQLite: after the settings above
  }
};
}  // namespace

core::Status Db::Open(const std::string& path, bool read_only) {
  static GlobalConfig config;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    return core::Fail(ErrorCode::kInternal, "cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  sqlite3_extended_result_codes(db_, 1);
  // Plans do not look at bound values: otherwise SQLite prepares a cached statement again each
  // time a parameter it looked at while planning is bound anew (it compares parameters with
  // partial indexes' conditions: the claims' sweep was parsed and planned on every claim).
  sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_QPSG, 1, nullptr);
  return {};
}

core::Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return std::unexpected(ErrorOf(rc, msg));
  }
  return {};
}

int Db::TimesPreparedAgain(std::string_view sql) const {
  auto it = cache_.find(sql);
  return it == cache_.end() ? 0 : sqlite3_stmt_status(it->second, SQLITE_STMTSTATUS_REPREPARE, 0);
}

Stmt Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(it->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    // SQL text is fixed at compile time: a failure here is a bug.
    throw std::logic_error(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db_) +
                           " in: " + std::string(sql));
  }
  cache_.emplace(std::string(sql), stmt);
  return Stmt(stmt);
}

int64_t Db::Changes() const { return sqlite3_changes64(db_); }
int64_t Db::TotalChanges() const { return sqlite3_total_changes64(db_); }
bool Db::InTransaction() const { return !sqlite3_get_autocommit(db_); }

void Db::OnCall(const char* name, std::function<void()> fn) {
  functions_.push_back(std::make_unique<std::function<void()>>(std::move(fn)));
  sqlite3_create_function_v2(
      db_, name, 0, SQLITE_UTF8, functions_.back().get(),
      [](sqlite3_context* ctx, int, sqlite3_value**) {
        (*static_cast<std::function<void()>*>(sqlite3_user_data(ctx)))();
      },
      nullptr, nullptr, nullptr);
}

}  // namespace hookd::store::sqlite

// Thin RAII wrapper over one sqlite3 connection and its prepared statements. Internal to store/.
// A Db is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/text.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hookd::store::sqlite {

// An SQLite result code as an error: a full disk is kStorageFull (507), an I/O error
// kUnavailable, a constraint kConflict (a missing parent kNotFound), the rest kInternal.
core::Error ErrorOf(int rc, const std::string& message);

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(const Stmt&) = delete;
  ~Stmt();  // resets and clears bindings; the statement stays cached

  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, int64_t{v}); }
  Stmt& Bind(int i, bool v) { return Bind(i, int64_t{v}); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }  // not as bool
  Stmt& BindNull(int i);
  template <class T>
  Stmt& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }

  // Steps once: true when a row is available, false when done. Errors land in error().
  bool Step();
  // Steps to completion; returns the error, if any. Constraint violations map to kConflict.
  core::Status Run();
  const std::optional<core::Error>& error() const { return error_; }

  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3_stmt* s_;
  std::optional<core::Error> error_;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  ~Db();

  core::Status Open(const std::string& path, bool read_only);
  core::Status Exec(std::string_view sql);
  // Prepared once per connection and cached.
  Stmt Prepare(std::string_view sql);
  // How often SQLite prepared the cached statement `sql` again since it was first prepared.
  int TimesPreparedAgain(std::string_view sql) const;
  int64_t Changes() const;
  // Rows changed by every statement so far, triggers and cascades included.
  int64_t TotalChanges() const;
  bool InTransaction() const;
  // Registers an SQL function `name()` (no arguments, returns NULL) that calls `fn`; for
  // this connection's triggers. `fn` must not use this connection.
  void OnCall(const char* name, std::function<void()> fn);
  // Turns off SQLite's automatic checkpoints (which run inside a commit), leaving them to the
  // caller (Checkpoint); wal_frames() then tells the WAL's size after the last commit.
  void TakeOverCheckpoints();
  int wal_frames() const { return wal_frames_; }
  // Copies the WAL's frames into the database without waiting for readers (PASSIVE); the next
  // transaction starts the WAL over when every frame was copied. Another connection checkpointing
  // at the same time is not an error (nothing is done).
  core::Status Checkpoint();

 private:
  sqlite3* db_ = nullptr;
  // Looked up by the SQL text without copying it.
  std::unordered_map<std::string, sqlite3_stmt*, core::StringHash, std::equal_to<>> cache_;
  std::vector<std::unique_ptr<std::function<void()>>> functions_;
  int wal_frames_ = 0;
};

}  // namespace hookd::store::sqlite

// One PostgreSQL connection (RAII over libpq's PGconn) and its results. Internal to
// store/postgres. Parameters and results are text; statements are prepared once per connection and
// cached by their SQL text. A Conn is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

struct pg_conn;
struct pg_result;

namespace hookd::store::postgres {

using core::Result;
using core::Status;

// A parameter's text; nullopt is NULL.
using Param = std::optional<std::string>;

inline Param P(std::string_view v) { return std::string(v); }
inline Param P(const char* v) { return std::string(v); }
inline Param P(int64_t v) { return std::to_string(v); }
inline Param P(int v) { return std::to_string(v); }
inline Param P(bool v) { return v ? "t" : "f"; }
template <class T>
Param P(const std::optional<T>& v) {
  return v ? P(*v) : std::nullopt;
}
// A text[] literal (bind as $n::text[]).
Param TextArray(const std::vector<std::string>& v);

struct Query {
  std::string sql;
  std::vector<Param> params;  // $1, $2, ...
  bool once = false;          // not prepared (text that is rarely repeated)
};

// The result of one statement. Move-only; cells are read as text.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* r) : r_(r) {}
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&& o) noexcept;
  Rows(const Rows&) = delete;
  ~Rows();

  int size() const;
  int64_t affected() const;          // rows inserted, updated or deleted
  std::string_view command() const;  // the command tag, e.g. "COMMIT"
  bool IsNull(int row, int col) const;
  std::string_view View(int row, int col) const;
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  std::optional<std::string> OptText(int row, int col) const;
  int64_t Int(int row, int col) const;
  std::optional<int64_t> OptInt(int row, int col) const;
  bool Bool(int row, int col) const { return View(row, col) == "t"; }

 private:
  pg_result* r_ = nullptr;
};

// One row of Rows, for readers.
struct Row {
  const Rows& rows;
  int row;
  bool IsNull(int c) const { return rows.IsNull(row, c); }
  std::string Text(int c) const { return rows.Text(row, c); }
  std::optional<std::string> OptText(int c) const { return rows.OptText(row, c); }
  int64_t Int(int c) const { return rows.Int(row, c); }
  std::optional<int64_t> OptInt(int c) const { return rows.OptInt(row, c); }
  bool Bool(int c) const { return rows.Bool(row, c); }
};

// How the detail of a kConflict from a violated constraint (not one hookd raised itself) starts.
inline constexpr std::string_view kConstraintViolated = "constraint violated: ";

// The error of a lost or unusable connection (the API answers 503).
std::unexpected<core::Error> Unavailable();
// The SQLSTATE hookd's own statement errors raise for `code` (kNotFound, kIdempotencyTaken,
// kLeaseLost); errors with it map back to `code`.
std::string_view SqlStateOf(core::ErrorCode code);

class Conn {
 public:
  // Connects to `url` (postgres://...); kUnavailable with libpq's reason when it cannot.
  static Result<std::unique_ptr<Conn>> Open(const std::string& url);
  Conn(const Conn&) = delete;
  ~Conn();

  // The connection failed: discard it.
  bool broken() const;
  int backend_pid() const;
  int socket() const;

  // One statement (one round trip).
  Result<Rows> Exec(const Query& q);
  Result<Rows> Exec(std::string sql, std::vector<Param> params = {}) {
    return Exec(Query{std::move(sql), std::move(params)});
  }
  // Simple-protocol text without parameters, possibly several statements (DDL, LISTEN).
  Status ExecScript(const std::string& sql);

  // Sends every query in one pipeline and then reads their results in order: one round trip.
  // Queries after a failed one are not run (their results are errors too) but a transaction
  // block stays open. The outer error: the connection failed (results unknown).
  Result<std::vector<Result<Rows>>> Pipeline(std::span<const Query* const> queries);
  Result<std::vector<Result<Rows>>> Pipeline(std::span<const Query> queries);

  // Listener support: reads what arrived without blocking; false when the connection failed.
  bool ConsumeInput();
  // The next notification received: (channel, sender's backend pid).
  std::optional<std::pair<std::string, int>> NextNotification();

 private:
  explicit Conn(pg_conn* c) : c_(c) {}
  bool Flush();  // sends what is buffered, reading input meanwhile (no pipeline deadlock)

  pg_conn* c_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  uint64_t next_name_ = 0;
  bool failed_ = false;  // a pipeline broke off: the connection's state is unknown
};

}  // namespace hookd::store::postgres

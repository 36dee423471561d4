#include "store/postgres/conn.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace hookd::store::postgres {
namespace {

using core::ErrorCode;

// SQLSTATEs of hookd's own errors (raised by hookd_fail, see migrations.cc).
constexpr std::pair<ErrorCode, std::string_view> kOwnStates[] = {
    {ErrorCode::kNotFound, "HK404"},
    {ErrorCode::kIdempotencyTaken, "HK412"},
    {ErrorCode::kLeaseLost, "HK423"},
    {ErrorCode::kConflict, "HK409"},
};

std::string Trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

core::Error ErrorOf(const PGresult* r, const PGconn* c) {
  if (PQstatus(c) == CONNECTION_BAD) return Unavailable().error();
  const char* field = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view s = field ? field : "";
  for (const auto& [code, own] : kOwnStates) {
    if (s == own) return {code, Trimmed(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)), {}};
  }
  // A missing parent (e.g. the app was deleted meanwhile) is "not found", as in the SQLite store.
  if (s == "23503") return {ErrorCode::kNotFound, "the record it belongs to no longer exists", {}};
  if (s.starts_with("23")) {
    return {
        ErrorCode::kConflict,
        std::string(kConstraintViolated) + Trimmed(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)),
        {}};
  }
  // Connection exceptions; the server shutting down or starting.
  if (s.starts_with("08") || s.starts_with("57P")) return Unavailable().error();
  // Deadlocks and serialization failures between nodes: the write may be tried again.
  if (s.starts_with("40")) {
    return {ErrorCode::kUnavailable, "database: " + Trimmed(PQresultErrorMessage(r)), {}};
  }
  return {ErrorCode::kInternal,
          "database: " + Trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c)),
          {}};
}

void IgnoreNotice(void*, const char*) {}

}  // namespace

std::string_view SqlStateOf(ErrorCode code) {
  for (const auto& [c, state] : kOwnStates) {
    if (c == code) return state;
  }
  std::abort();  // a bug: no state for this code
}

std::unexpected<core::Error> Unavailable() {
  return core::Fail(ErrorCode::kUnavailable, "the database is unavailable");
}

Param TextArray(const std::vector<std::string>& v) {
  std::string out = "{";
  for (const auto& s : v) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char ch : s) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
Rows::~Rows() {
  if (r_) PQclear(r_);
}
int Rows::size() const { return r_ ? PQntuples(r_) : 0; }
int64_t Rows::affected() const {
  std::string_view n = r_ ? PQcmdTuples(r_) : "";
  int64_t v = 0;
  std::from_chars(n.data(), n.data() + n.size(), v);
  return v;
}
std::string_view Rows::command() const { return r_ ? PQcmdStatus(r_) : ""; }
bool Rows::IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string_view Rows::View(int row, int col) const {
  return {PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col))};
}
std::optional<std::string> Rows::OptText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Text(row, col);
}
int64_t Rows::Int(int row, int col) const {
  auto s = View(row, col);
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
std::optional<int64_t> Rows::OptInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& url) {
  // Defaults first: what the URL says overrides them.
  const char* keys[] = {"connect_timeout",
                        "application_name",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "dbname",
                        nullptr};
  const char* values[] = {"5", "hookd", "30", "10", "3", url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c) return core::Fail(ErrorCode::kUnavailable, "out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    auto e = core::Fail(ErrorCode::kUnavailable, Trimmed(PQerrorMessage(c)));
    PQfinish(c);
    return e;
  }
  PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
  PQsetnonblocking(c, 1);  // sends never block: Flush reads results meanwhile
  return std::unique_ptr<Conn>(new Conn(c));
}

Conn::~Conn() { PQfinish(c_); }

bool Conn::broken() const { return failed_ || PQstatus(c_) != CONNECTION_OK; }
int Conn::backend_pid() const { return PQbackendPID(c_); }
int Conn::socket() const { return PQsocket(c_); }

bool Conn::Flush() {
  for (;;) {
    int r = PQflush(c_);
    if (r == 0) return true;
    if (r < 0) return false;
    pollfd p{PQsocket(c_), POLLIN | POLLOUT, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) return false;
    if ((p.revents & POLLIN) && !PQconsumeInput(c_)) return false;
  }
}

Result<Rows> Conn::Exec(const Query& q) {
  auto r = Pipeline(std::span(&q, 1));
  if (!r) return std::unexpected(r.error());
  return std::move((*r)[0]);
}

Status Conn::ExecScript(const std::string& sql) {
  PGresult* r = PQexec(c_, sql.c_str());
  auto status = PQresultStatus(r);  // of the last statement, or of the first error
  Status out;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    out = std::unexpected(ErrorOf(r, c_));
  PQclear(r);
  return out;
}

Result<std::vector<Result<Rows>>> Conn::Pipeline(std::span<const Query> queries) {
  std::vector<const Query*> all;
  all.reserve(queries.size());
  for (const auto& q : queries) all.push_back(&q);
  return Pipeline(all);
}

Result<std::vector<Result<Rows>>> Conn::Pipeline(std::span<const Query* const> queries) {
  if (broken() || PQenterPipelineMode(c_) != 1) return Unavailable();
  // On a failure in the middle the pipeline's state is unknown: only a new connection is safe.
  auto lost = [this]() {
    failed_ = true;
    return Unavailable();
  };
  std::vector<std::string> names(queries.size());
  std::vector<bool> prepares(queries.size());
  std::unordered_map<std::string_view, size_t> pending;  // prepared by an earlier query here
  std::vector<const char*> values;
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = *queries[i];
    values.clear();
    for (const auto& p : q.params) values.push_back(p ? p->c_str() : nullptr);
    if (q.once) {
      if (!PQsendQueryParams(c_, q.sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0))
        return lost();
      continue;
    }
    if (auto it = prepared_.find(q.sql); it != prepared_.end()) {
      names[i] = it->second;
    } else if (auto p = pending.find(q.sql); p != pending.end()) {
      names[i] = names[p->second];
    } else {
      names[i] = "h" + std::to_string(++next_name_);
      if (!PQsendPrepare(c_, names[i].c_str(), q.sql.c_str(), static_cast<int>(q.params.size()),
                         nullptr))
        return lost();
      prepares[i] = true;
      pending.emplace(q.sql, i);
    }
    if (!PQsendQueryPrepared(c_, names[i].c_str(), static_cast<int>(values.size()), values.data(),
                             nullptr, nullptr, 0))
      return lost();
  }
  if (!PQpipelineSync(c_) || !Flush()) return lost();

  // One command's result, having read the null that ends it; null when the connection failed.
  auto next = [this]() -> PGresult* {
    PGresult* r = PQgetResult(c_);
    if (!r || PQstatus(c_) != CONNECTION_OK) {
      PQclear(r);
      return nullptr;
    }
    while (PGresult* extra = PQgetResult(c_)) PQclear(extra);
    return r;
  };
  std::vector<Result<Rows>> out;
  out.reserve(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    std::optional<core::Error> prepare_error;
    if (prepares[i]) {
      PGresult* r = next();
      if (!r) return lost();
      auto status = PQresultStatus(r);
      if (status == PGRES_COMMAND_OK) {
        prepared_.emplace(queries[i]->sql, names[i]);
      } else if (status != PGRES_PIPELINE_ABORTED) {
        prepare_error = ErrorOf(r, c_);
      }
      PQclear(r);
    }
    PGresult* r = next();
    if (!r) return lost();
    switch (PQresultStatus(r)) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
        out.emplace_back(Rows(r));
        break;
      case PGRES_PIPELINE_ABORTED:
        PQclear(r);
        if (prepare_error) {
          out.emplace_back(std::unexpected(*prepare_error));
        } else {
          out.emplace_back(core::Fail(ErrorCode::kInternal,
                                      "database: not run (an earlier"
                                      " statement failed)"));
        }
        break;
      default:
        out.emplace_back(std::unexpected(ErrorOf(r, c_)));
        PQclear(r);
    }
  }
  PGresult* sync = PQgetResult(c_);
  bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced || PQexitPipelineMode(c_) != 1) return lost();
  return out;
}

bool Conn::ConsumeInput() { return PQconsumeInput(c_) == 1 && !broken(); }

std::optional<std::pair<std::string, int>> Conn::NextNotification() {
  PGnotify* n = PQnotifies(c_);
  if (!n) return std::nullopt;
  std::pair<std::string, int> out{n->relname, n->be_pid};
  PQfreemem(n);
  return out;
}

}  // namespace hookd::store::postgres

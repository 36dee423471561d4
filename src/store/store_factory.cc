#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace hookd::store {

namespace {
constexpr std::string_view kSqlite = "sqlite://";
}  // namespace

std::string SqlitePath(std::string_view url) {
  return url.starts_with(kSqlite) ? std::string(url.substr(kSqlite.size())) : std::string();
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const core::Clock& clock,
                                         StoreOptions options) {
  if (url.starts_with(kSqlite)) {
    std::string path = SqlitePath(url);
    if (path.empty()) return core::Fail(core::ErrorCode::kBadRequest, "sqlite:// needs a path");
    return sqlite::MakeSqliteStore({.path = path,
                                    .max_batch = options.commit_max_batch,
                                    .linger_us = options.commit_linger_us},
                                   clock);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return postgres::MakePostgresStore({.url = std::string(url),
                                        .max_batch = options.commit_max_batch,
                                        .linger_us = options.commit_linger_us},
                                       clock);
  }
  return core::Fail(core::ErrorCode::kBadRequest,
                    "unsupported store URL '" + std::string(url) +
                        "' (expected sqlite://PATH or postgres://USER@HOST:PORT/DB)");
}

}  // namespace hookd::store

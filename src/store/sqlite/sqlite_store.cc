// The SQLite store: lifecycle, and the factory.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace hookd::store::sqlite {
namespace {

// Calls `changed` (on the writer's thread, inside the write) whenever a write on `writer`, the
// writer's connection, changes what the writer's routing cache and the claims' copies are built
// from: endpoints (inserts of ephemeral callback endpoints excepted), apps and event types.
Status WatchConfiguration(Db& writer, std::function<void()> changed) {
  writer.OnCall("hookd_configuration_changed", std::move(changed));
  const char* events[] = {"INSERT ON main.endpoints WHEN NOT NEW.ephemeral",
                          "UPDATE ON main.endpoints",
                          "DELETE ON main.endpoints",
                          "UPDATE ON main.apps",
                          "DELETE ON main.apps",
                          "INSERT ON main.event_types",
                          "UPDATE ON main.event_types",
                          "DELETE ON main.event_types"};
  std::string sql;
  for (size_t i = 0; i < std::size(events); ++i)
    sql += "CREATE TEMP TRIGGER configuration_changed_" + std::to_string(i) + " AFTER " +
           events[i] + " BEGIN SELECT hookd_configuration_changed(); END;";
  return writer.Exec(sql);
}

}  // namespace

// The data directory and database hold signing secrets and passwords: only their owner may read
// them. A directory hookd creates is 0700; a database it creates is 0600, and SQLite gives its
// -wal and -shm files the database's mode. Existing ones are left as the operator set them.
Status CreatePrivately(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return core::Fail(ErrorCode::kInternal, "cannot create " + parent.string());
    std::filesystem::permissions(parent, std::filesystem::perms::owner_all, ec);
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return core::Fail(ErrorCode::kInternal, "cannot create " + path);
  close(fd);
  return {};
}

Status SqliteStore::Init() {
  if (auto s = CreatePrivately(options_.path); !s) return s;
  if (auto s = write_db_.Open(options_.path, false); !s) return s;
  // The writer keeps up to 32 MiB of pages cached; readers 8 MiB each (see ReadPool).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON",
                             "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-32768"}) {
    if (auto s = write_db_.Exec(pragma); !s) return s;
  }
  // NORMAL: commits do not wait for the disk, checkpoints sync; the group committer's syncer
  // makes each commit durable before it is acknowledged (see group_commit.h).
  if (auto s =
          write_db_.Exec(options_.durable ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=OFF");
      !s)
    return s;
  if (auto s = Migrate(write_db_); !s) return s;
  auto changed = [this] {
    routing_.Clear();
    claimed_config_.Changed();
  };
  if (auto s = WatchConfiguration(write_db_, changed); !s) return s;
  writer_.Start();
  claims_.Start();
  started_ = true;
  return {};
}

void SqliteStore::Close() {
  if (!started_) return;
  started_ = false;
  claims_.Stop();
  writer_.Stop();
  std::lock_guard lock(fresh_mu_);  // fresh deliveries are reads in progress (AddFresh)
  for (const auto& f : fresh_) leases_->EndRead(f.seq);
  fresh_.clear();
  fresh_bytes_ = 0;
}

StoreStats SqliteStore::Stats() const {
  return {writer_.writes(), writer_.commits(), writer_.syncs(), outcomes_refused_.load()};
}

void SqliteStore::Barrier(Done<void> done) {
  Write<void>(std::nullopt, std::move(done), [](Db&) -> Status { return {}; });
}

std::unique_ptr<Store> MakeSqliteStore(SqliteOptions options, const core::Clock& clock) {
  return std::make_unique<SqliteStore>(std::move(options), clock);
}

}  // namespace hookd::store::sqlite

// Delivery statistics in SQLite (stats_store.h): written once per batch by the writer, read
// from the read pool.
#include <spdlog/spdlog.h>

#include "store/sqlite/sqlite_store_impl.h"

namespace hookd::store::sqlite {
using stats_sql::FromSeconds;
using stats_sql::Seconds;
using stats_sql::SecondsUp;

void SqliteStore::FlushStats(Db& db) {
  if (stats_.empty()) return;
  auto rows = stats_.Take();
  int64_t minute = Seconds(clock_.Now()) / 60 * 60;
  static const std::string kUpsert = stats_sql::Upsert(stats_sql::kMinuteTable, '?');
  // Statistics must not cost the batch its outcomes: a failure drops them alone.
  (void)db.Prepare("SAVEPOINT stats").Run();
  for (const auto& r : rows) {
    auto s = db.Prepare(kUpsert);
    s.Bind(1, r.app_id).Bind(2, r.endpoint_id).Bind(3, minute);
    for (int i = 0; i < StatsCounts::kCount; ++i) s.Bind(4 + i, r.counts.n[i]);
    if (auto ok = s.Run(); !ok) {
      spdlog::warn("store: delivery statistics of a batch not recorded: {}", ok.error().detail);
      (void)db.Prepare("ROLLBACK TO stats").Run();
      break;
    }
  }
  (void)db.Prepare("RELEASE stats").Run();
}

void SqliteStore::RollUpStats(Db& db) {
  auto now = clock_.Now();
  int64_t cut = Seconds(now - stats_sql::kMinutesKept) / 3600 * 3600;
  static const std::string kRollUp = stats_sql::RollUp('?', false);
  if (!db.Prepare(kRollUp).Bind(1, cut).Run()) return;
  (void)db.Prepare("DELETE FROM delivery_stats_minute WHERE at < ?").Bind(1, cut).Run();
  (void)db.Prepare("DELETE FROM delivery_stats_hour WHERE at < ?")
      .Bind(1, Seconds(now - stats_sql::kHoursKept))
      .Run();
}

Result<std::vector<StatsPoint>> SqliteStore::ReadStats(const StatsQuery& q) {
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  auto s = (*db)->Prepare(stats_sql::Series(q.bucket_secs, '?'));
  s.Bind(1, q.app_id)
      .Bind(2, q.endpoint_id.value_or(""))
      .Bind(3, Seconds(q.since))
      .Bind(4, SecondsUp(q.until));
  std::vector<StatsPoint> points;
  while (s.Step()) {
    points.push_back(
        {FromSeconds(s.Int(0)), stats_sql::ReadCounts([&](int i) { return s.Int(i); }, 1)});
  }
  if (s.error()) return std::unexpected(*s.error());
  return points;
}

Result<std::vector<EndpointHealth>> SqliteStore::ReadEndpointHealth(
    std::string_view app_id, const std::vector<std::string>& endpoint_ids, core::TimePoint now) {
  static const std::string kMinutes = stats_sql::MinutesFrom('?');
  static const std::string kLastFailure = stats_sql::LastFailure('?');
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  std::vector<EndpointHealth> out;
  int64_t at = Seconds(now);
  for (const auto& id : endpoint_ids) {
    EndpointHealth h{.endpoint_id = id};
    auto m = (*db)->Prepare(kMinutes);
    m.Bind(1, app_id).Bind(2, id).Bind(3, at - 86400);
    while (m.Step())
      h.AddMinute(m.Int(0), stats_sql::ReadCounts([&](int i) { return m.Int(i); }, 1), at);
    if (m.error()) return std::unexpected(*m.error());
    if (!h.last_failure_at) {  // none in the last day: the hours before
      auto f = (*db)->Prepare(kLastFailure);
      f.Bind(1, app_id).Bind(2, id);
      if (f.Step() && !f.IsNull(0)) h.last_failure_at = FromSeconds(f.Int(0));
      if (f.error()) return std::unexpected(*f.error());
    }
    auto held =
        (*db)->Prepare("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = ? AND held = 1");
    held.Bind(1, id);
    if (held.Step()) h.held = held.Int(0);
    if (held.error()) return std::unexpected(*held.error());
    out.push_back(std::move(h));
  }
  return out;
}

Result<std::vector<AppUsage>> SqliteStore::ReadAppUsage(core::TimePoint since,
                                                        core::TimePoint until,
                                                        const std::vector<std::string>& app_ids) {
  static const std::string kUsage = stats_sql::Usage('?');
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  auto s = (*db)->Prepare(kUsage);
  s.Bind(1, Seconds(since)).Bind(2, SecondsUp(until));
  std::vector<AppUsage> out;
  while (s.Step()) {
    std::string app = s.Text(0);
    if (app_ids.empty() || std::find(app_ids.begin(), app_ids.end(), app) != app_ids.end())
      out.push_back({std::move(app), s.OptText(1), s.Int(2)});
  }
  if (s.error()) return std::unexpected(*s.error());
  return out;
}

}  // namespace hookd::store::sqlite

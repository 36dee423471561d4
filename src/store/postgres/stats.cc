// Delivery statistics in PostgreSQL (stats_store.h): sent with each batch's COMMIT by the
// writer; several nodes add to the same rows.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/postgres/postgres_store.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {

using stats_sql::FromSeconds;
using stats_sql::Seconds;
using stats_sql::SecondsUp;

std::vector<Query> PostgresStore::StatsQueries(std::vector<StatsBatch::Row> rows) const {
  static const std::string kUpsert = stats_sql::Upsert(stats_sql::kMinuteTable, '$');
  int64_t minute = Seconds(clock_.Now()) / 60 * 60;
  std::vector<Query> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    Query q{kUpsert, {P(r.app_id), P(r.endpoint_id), P(minute)}};
    for (int64_t n : r.counts.n) q.params.push_back(P(n));
    out.push_back(std::move(q));
  }
  return out;
}

void PostgresStore::RollUpStats(Conn& conn) {
  auto now = clock_.Now();
  int64_t cut = Seconds(now - stats_sql::kMinutesKept) / 3600 * 3600;
  static const std::string kRollUp = stats_sql::RollUp('$', true);
  if (auto r = conn.Exec(kRollUp, {P(cut)}); !r)
    spdlog::warn("store: rolling delivery statistics into hours failed: {}", r.error().detail);
  (void)conn.Exec("DELETE FROM delivery_stats_hour WHERE at < $1",
                  {P(Seconds(now - stats_sql::kHoursKept))});
}

Result<std::vector<StatsPoint>> PostgresStore::ReadStats(const StatsQuery& q) {
  return Read([&](Conn& c) -> Result<std::vector<StatsPoint>> {
    auto rows = c.Exec(
        stats_sql::Series(q.bucket_secs, '$'),
        {P(q.app_id), P(q.endpoint_id.value_or("")), P(Seconds(q.since)), P(SecondsUp(q.until))});
    if (!rows) return std::unexpected(rows.error());
    std::vector<StatsPoint> points;
    for (int i = 0; i < rows->size(); ++i) {
      points.push_back({FromSeconds(rows->Int(i, 0)),
                        stats_sql::ReadCounts([&](int col) { return rows->Int(i, col); }, 1)});
    }
    return points;
  });
}

Result<std::vector<EndpointHealth>> PostgresStore::ReadEndpointHealth(
    std::string_view app_id, const std::vector<std::string>& endpoint_ids, core::TimePoint now) {
  static const std::string kMinutes = stats_sql::MinutesFrom('$');
  static const std::string kLastFailure = stats_sql::LastFailure('$');
  static const std::string kHeld =
      "SELECT COUNT(*) FROM deliveries WHERE endpoint_id = $1 AND held";
  int64_t at = Seconds(now);
  return Read([&](Conn& c) -> Result<std::vector<EndpointHealth>> {
    std::vector<EndpointHealth> out;
    for (const auto& id : endpoint_ids) {
      EndpointHealth h{.endpoint_id = id};
      auto m = c.Exec(kMinutes, {P(app_id), P(id), P(at - 86400)});
      if (!m) return std::unexpected(m.error());
      for (int i = 0; i < m->size(); ++i)
        h.AddMinute(m->Int(i, 0), stats_sql::ReadCounts([&](int col) { return m->Int(i, col); }, 1),
                    at);
      if (!h.last_failure_at) {  // none in the last day: the hours before
        auto f = c.Exec(kLastFailure, {P(app_id), P(id)});
        if (!f) return std::unexpected(f.error());
        if (f->size() == 1 && !f->IsNull(0, 0)) h.last_failure_at = FromSeconds(f->Int(0, 0));
      }
      auto held = c.Exec(kHeld, {P(id)});
      if (!held) return std::unexpected(held.error());
      h.held = held->Int(0, 0);
      out.push_back(std::move(h));
    }
    return out;
  });
}

Result<std::vector<AppUsage>> PostgresStore::ReadAppUsage(core::TimePoint since,
                                                          core::TimePoint until,
                                                          const std::vector<std::string>& app_ids) {
  static const std::string kUsage = stats_sql::Usage('$');
  return Read([&](Conn& c) -> Result<std::vector<AppUsage>> {
    auto rows = c.Exec(kUsage, {P(Seconds(since)), P(SecondsUp(until))});
    if (!rows) return std::unexpected(rows.error());
    std::vector<AppUsage> out;
    for (int i = 0; i < rows->size(); ++i) {
      auto app = rows->Text(i, 0);
      if (app_ids.empty() || std::find(app_ids.begin(), app_ids.end(), app) != app_ids.end())
        out.push_back({std::move(app), rows->OptText(i, 1), rows->Int(i, 2)});
    }
    return out;
  });
}

}  // namespace hookd::store::postgres

#include "store/stats_store.h"

#include <algorithm>
#include <tuple>

namespace hookd::store {
namespace {

FailureReason ReasonOf(const core::Attempt& a) {
  if (a.error == "timeout") return FailureReason::kTimeout;
  if (a.error == "connect" || a.error == "dns" || a.error == "tls" || a.error == "network")
    return FailureReason::kNetwork;
  if (a.error.empty() && a.response_status >= 400 && a.response_status < 500)
    return FailureReason::kHttp4xx;
  if (a.error.empty() && a.response_status >= 500 && a.response_status < 600)
    return FailureReason::kHttp5xx;
  return FailureReason::kOther;
}

int LatencyBucket(int64_t ms) {
  auto it = std::upper_bound(kLatencyBoundsMs.begin(), kLatencyBoundsMs.end(), ms);
  return static_cast<int>(it - kLatencyBoundsMs.begin());
}

// Placeholder n: "?n" (SQLite) or "$n" (PostgreSQL).
std::string Mark(char mark, int n) { return mark + std::to_string(n); }

// "c1, c2, ..." with each column passed through `f`.
template <class F>
std::string EachColumn(F f) {
  std::string out;
  for (const auto& c : StatsColumns()) {
    if (!out.empty()) out += ", ";
    out += f(c);
  }
  return out;
}

// "c = table.c + excluded.c, ...": an upsert adding to the row already in `table`.
std::string AddToRow(std::string_view table) {
  return EachColumn([&](const std::string& c) {
    return c + " = " + std::string(table) + "." + c + " + excluded." + c;
  });
}

std::string Sum(const std::string& c) { return "CAST(SUM(" + c + ") AS BIGINT)"; }

}  // namespace

const char* FailureReasonName(FailureReason reason) {
  static const char* kNames[kFailureReasons] = {"timeout", "network", "http4xx", "http5xx",
                                                "other"};
  return kNames[static_cast<int>(reason)];
}

void StatsCounts::Add(const core::Attempt& a, bool first) {
  if (a.status == core::DeliveryStatus::kSuccess) {
    ++n[kSucceeded];
  } else {
    ++n[kFailed];
    ++n[kReason0 + static_cast<int>(ReasonOf(a))];
  }
  if (first) ++n[kFirstAttempts];
  ++n[kLatency0 + LatencyBucket(a.duration_ms)];
}

void StatsCounts::Merge(const StatsCounts& other) {
  for (int i = 0; i < kCount; ++i) n[i] += other.n[i];
}

std::optional<double> StatsCounts::LatencyMs(double q) const {
  int64_t total = 0;
  for (int i = 0; i < kLatencyBuckets; ++i) total += n[kLatency0 + i];
  if (total == 0) return std::nullopt;
  double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  int64_t below = 0;
  for (int i = 0; i < kLatencyBuckets; ++i) {
    int64_t in = n[kLatency0 + i];
    double low = i == 0 ? 0.0 : static_cast<double>(kLatencyBoundsMs[i - 1]);
    if (in > 0 && static_cast<double>(below + in) >= rank) {
      if (i == kLatencyBuckets - 1) return low;
      double high = static_cast<double>(kLatencyBoundsMs[i]);
      return low + (high - low) * (rank - static_cast<double>(below)) / static_cast<double>(in);
    }
    below += in;
  }
  return static_cast<double>(kLatencyBoundsMs.back());
}

const std::array<std::string, StatsCounts::kCount>& StatsColumns() {
  static const auto kColumns = [] {
    std::array<std::string, StatsCounts::kCount> c;
    c[StatsCounts::kSucceeded] = "succeeded";
    c[StatsCounts::kFailed] = "failed";
    c[StatsCounts::kFirstAttempts] = "first_attempts";
    for (int i = 0; i < kLatencyBuckets; ++i)
      c[StatsCounts::kLatency0 + i] = "latency" + std::to_string(i);
    for (int i = 0; i < kFailureReasons; ++i)
      c[StatsCounts::kReason0 + i] =
          std::string("failed_") + FailureReasonName(static_cast<FailureReason>(i));
    return c;
  }();
  return kColumns;
}

void EndpointHealth::AddMinute(int64_t minute, const StatsCounts& counts, int64_t now) {
  if (minute >= now - 3600) last_hour.Merge(counts);
  last_day.Merge(counts);
  auto at = stats_sql::FromSeconds(minute);
  if (counts.failed() > 0 && (!last_failure_at || at > *last_failure_at)) last_failure_at = at;
}

StatsBatch::Row StatsBatch::RowOf(const core::Attempt& attempt, bool first) {
  Row row{attempt.app_id, attempt.endpoint_id, {}};
  row.counts.Add(attempt, first);
  return row;
}

void StatsBatch::Add(const Row& row) {
  static const std::string kAppTotal;
  for (const std::string* endpoint : {&row.endpoint_id, &kAppTotal}) {
    auto [it, fresh] = index_.try_emplace(row.app_id + '\n' + *endpoint, rows_.size());
    if (fresh) rows_.push_back(Row{row.app_id, *endpoint, {}});
    rows_[it->second].counts.Merge(row.counts);
  }
}

std::vector<StatsBatch::Row> StatsBatch::Take() {
  index_.clear();
  // In key order: concurrent batches (of several nodes) then lock shared rows in one order.
  std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
    return std::tie(a.app_id, a.endpoint_id) < std::tie(b.app_id, b.endpoint_id);
  });
  return std::exchange(rows_, {});
}

namespace stats_sql {

std::string ColumnList() {
  return EachColumn([](const std::string& c) { return c; });
}

std::string Upsert(std::string_view table, char mark) {
  int n = 3;
  return "INSERT INTO " + std::string(table) + "(app_id, endpoint_id, at, " + ColumnList() +
         ") VALUES (" + Mark(mark, 1) + ", " + Mark(mark, 2) + ", " + Mark(mark, 3) + ", " +
         EachColumn([&](const std::string&) { return Mark(mark, ++n); }) +
         ") ON CONFLICT (app_id, endpoint_id, at) DO UPDATE SET " + AddToRow(table);
}

std::string Series(int64_t bucket_secs, char mark) {
  std::string b = std::to_string(bucket_secs);
  std::string range = " WHERE app_id = " + Mark(mark, 1) + " AND endpoint_id = " + Mark(mark, 2) +
                      " AND at >= " + Mark(mark, 3) + " AND at < " + Mark(mark, 4);
  std::string cols = ColumnList();
  return "SELECT at / " + b + " * " + b + " AS bucket, " + EachColumn(Sum) + " FROM (SELECT at, " +
         cols + " FROM " + std::string(kMinuteTable) + range + " UNION ALL SELECT at, " + cols +
         " FROM " + std::string(kHourTable) + range + ") s GROUP BY bucket ORDER BY bucket";
}

std::string MinutesFrom(char mark) {
  return "SELECT at, " + ColumnList() + " FROM " + std::string(kMinuteTable) +
         " WHERE app_id = " + Mark(mark, 1) + " AND endpoint_id = " + Mark(mark, 2) +
         " AND at >= " + Mark(mark, 3);
}

std::string LastFailure(char mark) {
  std::string of = " WHERE app_id = " + Mark(mark, 1) + " AND endpoint_id = " + Mark(mark, 2) +
                   " AND failed > 0";
  return "SELECT MAX(at) FROM (SELECT at FROM " + std::string(kMinuteTable) + of +
         " UNION ALL SELECT at FROM " + std::string(kHourTable) + of + ") f";
}

std::string Usage(char mark) {
  std::string of =
      " WHERE endpoint_id = '' AND at >= " + Mark(mark, 1) + " AND at < " + Mark(mark, 2);
  return "SELECT u.app_id, a.uid, CAST(SUM(u.first_attempts) AS BIGINT) FROM (SELECT app_id,"
         " first_attempts FROM " +
         std::string(kMinuteTable) + of + " UNION ALL SELECT app_id, first_attempts FROM " +
         std::string(kHourTable) + of +
         ") u LEFT JOIN apps a ON a.id = u.app_id GROUP BY u.app_id, a.uid ORDER BY u.app_id";
}

std::string RollUp(char mark, bool postgres) {
  std::string cols = ColumnList();
  std::string into = "INSERT INTO " + std::string(kHourTable) + "(app_id, endpoint_id, at, " +
                     cols + ") SELECT app_id, endpoint_id, at / 3600 * 3600, " + EachColumn(Sum);
  std::string tail =
      " GROUP BY app_id, endpoint_id, at / 3600 * 3600"
      " ON CONFLICT (app_id, endpoint_id, at) DO UPDATE SET " +
      AddToRow(kHourTable);
  if (postgres) {
    return "WITH moved AS (DELETE FROM " + std::string(kMinuteTable) + " WHERE at < " +
           Mark(mark, 1) + " RETURNING *) " + into + " FROM moved" + tail;
  }
  return into + " FROM " + std::string(kMinuteTable) + " WHERE at < " + Mark(mark, 1) + tail;
}

}  // namespace stats_sql
}  // namespace hookd::store

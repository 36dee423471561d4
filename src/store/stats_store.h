// Delivery statistics the store keeps, so that charts, endpoint health and usage never scan
// attempts: per app and endpoint (and per app in all, under endpoint ""), per minute for the last
// day and per hour before that, the attempts by result, a latency histogram and why attempts
// failed. An attempt is counted in the same commit that records it (so a failed or rolled-back
// write counts nothing), in the minute of that commit; maintenance rolls minutes older than a
// day into hours.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/common.h"

namespace hookd::store {

// Latency histogram: bucket i holds attempts that took less than kLatencyBoundsMs[i] ms (and at
// least the bound before it); the last bucket has no upper bound.
inline constexpr std::array<int64_t, 19> kLatencyBoundsMs = {
    1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 130, 200, 300, 500, 800, 1300, 2000, 5000, 15000};
inline constexpr int kLatencyBuckets = kLatencyBoundsMs.size() + 1;

// Why an attempt failed: no answer in time; no connection (refused, DNS, TLS, reset); the
// receiver answered 4xx or 5xx; anything else (refused by the SSRF guard, a redirect, 1xx/3xx).
enum class FailureReason { kTimeout, kNetwork, kHttp4xx, kHttp5xx, kOther };
inline constexpr int kFailureReasons = 5;
const char* FailureReasonName(FailureReason reason);  // "timeout", "network", "http4xx", ...

// Counters of one bucket (and one app or endpoint), in the order of their columns.
struct StatsCounts {
  enum : int {
    kSucceeded,
    kFailed,
    kFirstAttempts,  // a delivery's first attempt (Svix's message destinations)
    kLatency0,       // kLatencyBuckets histogram counters
    kReason0 = kLatency0 + kLatencyBuckets,  // kFailureReasons counters of failed attempts
    kCount = kReason0 + kFailureReasons,
  };
  std::array<int64_t, kCount> n{};

  int64_t succeeded() const { return n[kSucceeded]; }
  int64_t failed() const { return n[kFailed]; }
  int64_t first_attempts() const { return n[kFirstAttempts]; }
  int64_t reason(FailureReason r) const { return n[kReason0 + static_cast<int>(r)]; }
  bool empty() const { return succeeded() == 0 && failed() == 0; }

  // Counts one attempt; `first`: the delivery's first.
  void Add(const core::Attempt& attempt, bool first);
  void Merge(const StatsCounts& other);
  // Estimated latency at quantile q (0..1) in ms, interpolated within its bucket (the open last
  // bucket reports its lower bound); nullopt without attempts.
  std::optional<double> LatencyMs(double q) const;
};

// The column names of StatsCounts, in its order.
const std::array<std::string, StatsCounts::kCount>& StatsColumns();

struct StatsQuery {
  std::string app_id;
  std::optional<std::string> endpoint_id;  // unset: the app's totals
  core::TimePoint since{}, until{};        // buckets starting in [since, until)
  int64_t bucket_secs = 60;                // a multiple of 60
};

struct StatsPoint {
  core::TimePoint start{};
  StatsCounts counts;
};

struct EndpointHealth {
  std::string endpoint_id;
  StatsCounts last_hour, last_day;
  std::optional<core::TimePoint> last_failure_at;  // the minute (or hour) of the last failure
  int64_t held = 0;                                // deliveries held while it is disabled

  // Adds the counts of the minute starting at `minute` (unix seconds), one of the day before
  // `now` (unix seconds).
  void AddMinute(int64_t minute, const StatsCounts& counts, int64_t now);
};

struct AppUsage {
  std::string app_id;
  std::optional<std::string> app_uid;
  int64_t message_destinations = 0;  // deliveries first attempted in the range
};

class StatsStore {
 public:
  virtual ~StatsStore() = default;
  // Non-empty buckets in time order.
  virtual Result<std::vector<StatsPoint>> ReadStats(const StatsQuery& query) = 0;
  // Each endpoint's counts over the hour and day before `now`, in the order given.
  virtual Result<std::vector<EndpointHealth>> ReadEndpointHealth(
      std::string_view app_id, const std::vector<std::string>& endpoint_ids,
      core::TimePoint now) = 0;
  // Apps with attempts in [since, until); only `app_ids` when not empty.
  virtual Result<std::vector<AppUsage>> ReadAppUsage(core::TimePoint since, core::TimePoint until,
                                                     const std::vector<std::string>& app_ids) = 0;
};

// Counts a batch of commits into rows: used by the stores' writers.
class StatsBatch {
 public:
  struct Row {
    std::string app_id, endpoint_id;  // endpoint "": the app's totals
    StatsCounts counts;
  };
  // One attempt's counts under its endpoint.
  static Row RowOf(const core::Attempt& attempt, bool first);
  // Adds `row` to its endpoint's counts and its app's.
  void Add(const Row& row);
  bool empty() const { return rows_.empty(); }
  // The rows, ordered by (app, endpoint); the batch is empty again.
  std::vector<Row> Take();

 private:
  std::vector<Row> rows_;
  std::unordered_map<std::string, size_t> index_;  // "app\nendpoint" -> its row
};

// SQL shared by the backends; `mark` is the placeholder style: '?' (SQLite) or '$' (PostgreSQL).
namespace stats_sql {
inline constexpr std::string_view kMinuteTable = "delivery_stats_minute";
inline constexpr std::string_view kHourTable = "delivery_stats_hour";
// How long minutes are kept before they are rolled into hours, and hours kept at all.
inline constexpr auto kMinutesKept = std::chrono::hours(25);
inline constexpr auto kHoursKept = std::chrono::hours(24 * 90);
// INSERT of one row into `table` (params: app, endpoint, at (unix seconds), the counters) that
// adds to the row already there.
std::string Upsert(std::string_view table, char mark);
// Sums of both tables by bucket (params: app, endpoint, since, until (unix seconds)); columns:
// the bucket's start, then the counters.
std::string Series(int64_t bucket_secs, char mark);
// An endpoint's minutes from a time (params: app, endpoint, from); columns: the minute, then the
// counters.
std::string MinutesFrom(char mark);
// The start of the last bucket with a failure (params: app, endpoint); NULL without one.
std::string LastFailure(char mark);
// Each app's first attempts, with its uid (params: since, until).
std::string Usage(char mark);
// Rolls the minutes before a cut (param 1, unix seconds, a whole hour) into hours (SQLite: then
// delete them; PostgreSQL does both in one statement).
std::string RollUp(char mark, bool postgres);
// "succeeded, failed, ...": the counter columns.
std::string ColumnList();
// Bucket times are unix seconds.
inline int64_t Seconds(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline core::TimePoint FromSeconds(int64_t s) { return core::TimePoint(std::chrono::seconds(s)); }
// A range's exclusive end in bucket seconds: the first whole second at or after `t` (a bucket
// that starts before `t` holds part of the range, also within `t`'s second).
inline int64_t SecondsUp(core::TimePoint t) {
  return std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count();
}
// Reads a counters row (columns from `first`) into counts.
template <class GetInt>
StatsCounts ReadCounts(GetInt get, int first) {
  StatsCounts c;
  for (int i = 0; i < StatsCounts::kCount; ++i) c.n[i] = get(first + i);
  return c;
}
}  // namespace stats_sql

}  // namespace hookd::store

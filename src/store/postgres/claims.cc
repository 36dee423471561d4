// Claims: due deliveries leased to a node in fair batches (lease_node, lease_until on the
// delivery), renewed, released.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {
namespace {

using core::FromMicros;
using core::ToMicros;

// Fresh keys kept at most; the rest waits for sweeps.
constexpr size_t kFreshLimit = 16384;

// A claim's read of the deliveries that `scan` (msg_id, endpoint_id, next_attempt_at) names:
// those still due at $1 and not under a valid lease are locked (rows other claims hold locked
// are skipped). One row per scanned delivery, in due order: 0-2 the scanned due time, message
// and endpoint; 3-6 when it was locked, its app, attempts, next trigger and due time (else
// NULL); 7 whether its endpoint is throttled.
std::string ClaimSql(const std::string& scan) {
  return "WITH scan AS MATERIALIZED (" + scan +
         "), free AS MATERIALIZED (SELECT l.* FROM scan s CROSS JOIN LATERAL ("
         " SELECT d.app_id, d.msg_id, d.endpoint_id, d.attempts, d.next_trigger,"
         " d.next_attempt_at FROM deliveries d"
         " WHERE d.msg_id = s.msg_id AND d.endpoint_id = s.endpoint_id"
         " AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)"
         " FOR UPDATE SKIP LOCKED) l)"
         " SELECT s.next_attempt_at, s.msg_id, s.endpoint_id, f.app_id, f.attempts,"
         " f.next_trigger, f.next_attempt_at,"
         " (SELECT e.throttle_rate IS NOT NULL FROM endpoints e WHERE e.id = s.endpoint_id)"
         " FROM scan s LEFT JOIN free f ON f.msg_id = s.msg_id AND f.endpoint_id = s.endpoint_id"
         " ORDER BY s.next_attempt_at, s.msg_id, s.endpoint_id";
}

// The sweep of the due order, bounded to $n rows (leased ones included, so a sweep never reads
// the same held rows forever): from the start ($2 rows) or after a cursor ($2 due, $3 message,
// $4 endpoint; $5 rows). The first condition on the due time bounds the index range; the second
// resumes within ties.
const std::string& SweepSql(bool resume) {
  static const auto make = [](bool after) {
    std::string scan =
        "SELECT msg_id, endpoint_id, next_attempt_at FROM deliveries WHERE next_attempt_at <= $1";
    if (after) {
      scan +=
          " AND next_attempt_at >= $2 AND (next_attempt_at > $2 OR"
          " (msg_id, endpoint_id) > ($3, $4))";
    }
    scan += " ORDER BY next_attempt_at, msg_id, endpoint_id LIMIT ";
    return ClaimSql(scan + (after ? "$5" : "$2"));
  };
  static const std::string kSql[2] = {make(false), make(true)};
  return kSql[resume];
}

// Deliveries by key: $2 message ids, $3 endpoint ids.
const std::string& FreshSql() {
  static const std::string kSql = ClaimSql(
      "SELECT d.msg_id, d.endpoint_id, d.next_attempt_at"
      " FROM unnest($2::text[], $3::text[]) AS k(m, e) CROSS JOIN LATERAL"
      " (SELECT msg_id, endpoint_id, next_attempt_at FROM deliveries"
      "  WHERE msg_id = k.m AND endpoint_id = k.e AND next_attempt_at <= $1) d");
  return kSql;
}

// Ids in first-seen order, each once.
struct Distinct {
  std::unordered_set<std::string> seen;
  std::vector<std::string> ids;
  void Add(const std::string& id) {
    if (seen.insert(id).second) ids.push_back(id);
  }
};

void RollBack(Conn& conn) {
  if (!conn.broken()) (void)conn.Exec("ROLLBACK");
}

}  // namespace

void PostgresStore::AddFresh(Keys keys) {
  if (!wake_) return;  // nobody claims (delivery off): sweeps would find them anyway
  std::lock_guard lock(fresh_mu_);
  for (auto& k : keys) {
    if (fresh_.size() >= kFreshLimit) break;
    fresh_.push_back(std::move(k));
  }
}

void PostgresStore::ClaimDue(ClaimRequest request, Done<ClaimBatch> done) {
  auto task = [this, request = std::move(request), done] { done(Claim(request)); };
  if (!claims_.Post(std::move(task))) {
    done(core::Fail(core::ErrorCode::kUnavailable, "the store is shutting down"));
  }
}

void PostgresStore::RenewLeases(std::string node, core::TimePoint now, core::TimePoint until,
                                Done<LeaseRenewal> done) {
  auto task = [this, node = std::move(node), now, until, done] {
    // One round trip: the leases, this node's heartbeat, the live nodes (stale ones forgotten).
    Query q[] = {
        {"UPDATE deliveries SET lease_until = $2 WHERE lease_node = $1 AND lease_until >= $3",
         {P(node), P(ToMicros(until)), P(ToMicros(now))}},
        {"INSERT INTO nodes(id, alive_until) VALUES ($1, $2)"
         " ON CONFLICT (id) DO UPDATE SET alive_until = $2",
         {P(node), P(ToMicros(until))}},
        {"DELETE FROM nodes WHERE alive_until <= $1 AND id <> $2", {P(ToMicros(now)), P(node)}},
        {"SELECT count(*) FROM nodes", {}}};
    done(Read([&](Conn& c) -> Result<LeaseRenewal> {
      if (auto released = ReleaseInDoubt(c); !released) return std::unexpected(released.error());
      auto r = c.Pipeline(q);
      if (!r) return std::unexpected(r.error());
      for (auto& one : *r) {
        if (!one) return std::unexpected(one.error());
      }
      return LeaseRenewal{(*r)[0]->affected(), static_cast<int>((*r)[3]->Int(0, 0))};
    }));
  };
  if (!claims_.Post(std::move(task))) {
    done(core::Fail(core::ErrorCode::kUnavailable, "the store is shutting down"));
  }
}

void PostgresStore::ReleaseClaims(std::string node, std::vector<core::DeliveryKey> keys,
                                  Done<void> done) {
  auto task = [this, node = std::move(node), keys = std::move(keys), done] {
    if (keys.empty()) return done({});
    std::vector<std::string> msgs, endpoints;
    for (const auto& k : keys) {
      msgs.push_back(k.msg_id);
      endpoints.push_back(k.endpoint_id);
    }
    // Due again at once, for any node: the others are told in the same transaction.
    Query q[] = {{"UPDATE deliveries d SET lease_node = NULL, lease_until = NULL"
                  " FROM unnest($2::text[], $3::text[]) AS k(m, e)"
                  " WHERE d.msg_id = k.m AND d.endpoint_id = k.e AND d.lease_node = $1",
                  {P(node), TextArray(msgs), TextArray(endpoints)}},
                 {kNotifyDue, {}}};
    done(Read([&](Conn& c) -> Status {
      auto r = c.Pipeline(q);
      if (!r) return std::unexpected(r.error());
      for (auto& one : *r) {
        if (!one) return std::unexpected(one.error());
      }
      return {};
    }));
  };
  if (!claims_.Post(std::move(task))) {
    done(core::Fail(core::ErrorCode::kUnavailable, "the store is shutting down"));
  }
}

Status PostgresStore::ReleaseInDoubt(Conn& conn) {
  if (in_doubt_.keys.empty()) return {};
  std::vector<std::string> msgs, endpoints;
  for (const auto& k : in_doubt_.keys) {
    msgs.push_back(k.msg_id);
    endpoints.push_back(k.endpoint_id);
  }
  auto r = conn.Exec(
      "UPDATE deliveries d SET lease_node = NULL, lease_until = NULL"
      " FROM unnest($2::text[], $3::text[]) AS k(m, e)"
      " WHERE d.msg_id = k.m AND d.endpoint_id = k.e AND d.lease_node = $1",
      {P(in_doubt_.node), TextArray(msgs), TextArray(endpoints)});
  if (!r) return std::unexpected(r.error());
  in_doubt_ = {};
  return {};
}

Result<ClaimBatch> PostgresStore::Claim(const ClaimRequest& req) {
  Keys fresh;
  {
    std::lock_guard lock(fresh_mu_);
    auto n = static_cast<std::ptrdiff_t>(std::min(fresh_.size(), req.limit));
    fresh.assign(std::make_move_iterator(fresh_.begin()),
                 std::make_move_iterator(fresh_.begin() + n));
    fresh_.erase(fresh_.begin(), fresh_.begin() + n);
  }
  // Woken for another node's commit: its work is likely at the head of the due order.
  bool head = !req.sweep && foreign_due_.exchange(false);
  if (fresh.empty() && !req.sweep && !head) return ClaimBatch{{}, req.after};
  return Read([&](Conn& c) -> Result<ClaimBatch> {
    if (auto released = ReleaseInDoubt(c); !released) return std::unexpected(released.error());
    return ClaimOn(c, req, fresh, req.sweep || head, req.sweep);
  });
}

Result<ClaimBatch> PostgresStore::ClaimOn(Conn& conn, const ClaimRequest& req, const Keys& fresh,
                                          bool sweep, bool moves_cursor) {
  const auto scan_rows = static_cast<int64_t>(req.limit) * 4;
  const Param now = P(ToMicros(req.now));
  std::optional<DueCursor> after = moves_cursor ? req.after : std::nullopt;
  std::vector<Query> queries;
  queries.push_back({"BEGIN", {}});
  if (!fresh.empty()) {
    std::vector<std::string> msgs, endpoints;
    for (const auto& k : fresh) {
      msgs.push_back(k.msg_id);
      endpoints.push_back(k.endpoint_id);
    }
    queries.push_back({FreshSql(), {now, TextArray(msgs), TextArray(endpoints)}});
  }
  if (sweep && after) {
    queries.push_back(
        {SweepSql(true),
         {now, P(ToMicros(after->due)), P(after->msg_id), P(after->endpoint_id), P(scan_rows)}});
  } else if (sweep) {
    queries.push_back({SweepSql(false), {now, P(scan_rows)}});
  }
  auto read = conn.Pipeline(queries);
  if (!read) return std::unexpected(read.error());
  for (auto& r : *read) {
    if (!r) {
      RollBack(conn);
      return std::unexpected(r.error());
    }
  }

  // Picks the locked deliveries whose endpoint and app have room, fresh ones first.
  ClaimBatch out;
  out.next = req.after;  // unless the sweep moves on
  std::unordered_set<std::string> taken;
  std::unordered_map<std::string, size_t> per_endpoint, per_app;
  auto room = [](const std::unordered_map<std::string, size_t>& given, const std::string& id,
                 size_t otherwise) {
    auto it = given.find(id);
    return it == given.end() ? otherwise : it->second;
  };
  auto full = [&] { return out.claimed.size() >= req.limit; };
  auto consider = [&](const Rows& rows, int i) {
    if (rows.IsNull(i, 3)) return;  // under a valid lease, locked by another claim, or done
    core::DueDelivery d{rows.Text(i, 3),
                        rows.Text(i, 1),
                        rows.Text(i, 2),
                        static_cast<int>(rows.Int(i, 4)),
                        static_cast<core::AttemptTrigger>(rows.Int(i, 5)),
                        FromMicros(rows.Int(i, 6))};
    size_t& ep_taken = per_endpoint[d.endpoint_id];
    size_t& app_taken = per_app[d.app_id];
    bool ep_full =
        ep_taken >= room(req.endpoint_room, d.endpoint_id, rows.Bool(i, 7) ? 1 : req.per_endpoint);
    bool app_full = app_taken >= room(req.app_room, d.app_id, req.per_app);
    if (ep_full) out.crowded_endpoints.insert(d.endpoint_id);
    if (app_full) out.crowded_apps.insert(d.app_id);
    if (ep_full || app_full) return;
    if (!taken.insert(KeyOf(d.msg_id, d.endpoint_id)).second) return;
    ++ep_taken;
    ++app_taken;
    out.claimed.push_back(std::move(d));
  };
  size_t pos = 1;
  if (!fresh.empty()) {
    const Rows& rows = *(*read)[pos++];
    for (int i = 0; i < rows.size() && !full(); ++i) consider(rows, i);
  }
  if (sweep && !full()) {
    const Rows& rows = *(*read)[pos++];
    int64_t seen = 0;
    std::optional<DueCursor> last;
    for (int i = 0; i < rows.size() && !full(); ++i) {
      ++seen;
      last = DueCursor{FromMicros(rows.Int(i, 0)), rows.Text(i, 1), rows.Text(i, 2)};
      consider(rows, i);
    }
    if (moves_cursor) out.next = seen == scan_rows || full() ? std::move(last) : std::nullopt;
  }
  if (out.claimed.empty()) {
    RollBack(conn);
    return out;
  }

  // Leases them, and reads what sending them needs: one query per kind of record.
  std::vector<std::string> msgs, endpoints;
  Distinct endpoint_ids, msg_ids, app_ids;
  for (const auto& d : out.claimed) {
    msgs.push_back(d.msg_id);
    endpoints.push_back(d.endpoint_id);
    endpoint_ids.Add(d.endpoint_id);
    msg_ids.Add(d.msg_id);
    app_ids.Add(d.app_id);
  }
  static const std::string kLease =
      "UPDATE deliveries d SET lease_node = $1, lease_until = $2"
      " FROM unnest($3::text[], $4::text[]) AS k(m, e)"
      " WHERE d.msg_id = k.m AND d.endpoint_id = k.e";
  static const std::string kEndpoints =
      std::string("SELECT ") + kEndpointCols + " FROM endpoints WHERE id = ANY($1::text[])";
  static const std::string kMessages =
      std::string("SELECT ") + kMessageCols + " FROM messages WHERE id = ANY($1::text[])";
  queries.clear();
  queries.push_back(
      {kLease, {P(req.node), P(ToMicros(req.lease_until)), TextArray(msgs), TextArray(endpoints)}});
  queries.push_back({kEndpoints, {TextArray(endpoint_ids.ids)}});
  queries.push_back({kMessages, {TextArray(msg_ids.ids)}});
  queries.push_back({std::string("SELECT ") + kAppCols + " FROM apps WHERE id = ANY($1::text[])",
                     {TextArray(app_ids.ids)}});
  queries.push_back({"COMMIT", {}});
  // Whether the leases committed is unknown when the round trip breaks: they are released before
  // the node's next claim or renewal (a renewal would otherwise keep them forever, unsent).
  auto in_doubt = [&] {
    in_doubt_.node = req.node;
    for (const auto& d : out.claimed) in_doubt_.keys.push_back({d.msg_id, d.endpoint_id});
  };
  auto lease = conn.Pipeline(queries);
  if (!lease) {
    in_doubt();
    return std::unexpected(lease.error());
  }
  for (auto& r : *lease) {
    if (!r) {
      RollBack(conn);
      if (r.error().code == core::ErrorCode::kUnavailable) in_doubt();
      return std::unexpected(r.error());
    }
  }
  if ((*lease)[4]->command() != "COMMIT") {
    in_doubt();
    return core::Fail(core::ErrorCode::kInternal, "database: the claim did not commit");
  }

  std::unordered_map<std::string, std::shared_ptr<const core::Endpoint>> endpoint_of;
  std::unordered_map<std::string, std::shared_ptr<const core::Message>> message_of;
  std::unordered_map<std::string, std::shared_ptr<const core::App>> app_of;
  const Rows& eps = *(*lease)[1];
  for (int i = 0; i < eps.size(); ++i) {
    auto e = std::make_shared<const core::Endpoint>(ReadEndpoint(Row{eps, i}));
    endpoint_of.emplace(e->id, std::move(e));
  }
  const Rows& ms = *(*lease)[2];
  for (int i = 0; i < ms.size(); ++i) {
    auto m = std::make_shared<const core::Message>(ReadMessage(Row{ms, i}));
    message_of.emplace(m->id, std::move(m));
  }
  const Rows& apps = *(*lease)[3];
  for (int i = 0; i < apps.size(); ++i) {
    auto a = std::make_shared<const core::App>(ReadApp(Row{apps, i}));
    app_of.emplace(a->id, std::move(a));
  }
  for (auto& d : out.claimed) {
    d.endpoint = endpoint_of[d.endpoint_id];
    d.message = message_of[d.msg_id];
    d.app = app_of[d.app_id];
    d.lease_until = req.lease_until;
  }
  // Locked rows exist with their message, endpoint and app (deleting them waits for the locks).
  std::erase_if(out.claimed, [](const auto& d) { return !d.endpoint || !d.message || !d.app; });
  return out;
}

}  // namespace hookd::store::postgres

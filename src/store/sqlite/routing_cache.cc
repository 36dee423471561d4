#include "store/sqlite/routing_cache.h"

#include <algorithm>

#include "store/json_fields.h"

namespace hookd::store::sqlite {
namespace {

// Past this many apps or event types the cache starts again (bounded memory).
constexpr size_t kMaxEntries = 10000;

bool Contains(const std::vector<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

core::Result<const std::vector<RoutingCache::Endpoint>*> RoutingCache::Endpoints(
    Db& db, const std::string& app_id) {
  if (auto it = apps_.find(app_id); it != apps_.end()) return &it->second;
  if (apps_.size() >= kMaxEntries) apps_.clear();
  auto s = db.Prepare(
      "SELECT id, disabled, event_types, channels FROM endpoints"
      " WHERE app_id = ? AND NOT ephemeral ORDER BY id");
  s.Bind(1, app_id);
  std::vector<Endpoint> endpoints;
  while (s.Step())
    endpoints.push_back(
        {s.Text(0), s.Int(1) != 0, DecodeList(s.OptText(2)), DecodeList(s.OptText(3))});
  if (s.error()) return std::unexpected(*s.error());
  return &apps_.emplace(app_id, std::move(endpoints)).first->second;
}

core::Result<bool> RoutingCache::ExpectsReply(Db& db, const std::string& event_type) {
  if (auto it = expects_reply_.find(event_type); it != expects_reply_.end()) return it->second;
  if (expects_reply_.size() >= kMaxEntries) expects_reply_.clear();
  auto s = db.Prepare("SELECT expects_reply FROM event_types WHERE name = ?");
  s.Bind(1, event_type);
  bool expects = s.Step() && s.Int(0) != 0;
  if (s.error()) return std::unexpected(*s.error());
  return expects_reply_[event_type] = expects;
}

void RoutingCache::Clear() {
  apps_.clear();
  expects_reply_.clear();
}

bool Subscribes(const RoutingCache::Endpoint& e, std::string_view event_type,
                const std::optional<std::vector<std::string>>& channels) {
  if (e.event_types && !Contains(*e.event_types, event_type)) return false;
  if (!e.channels) return true;
  if (!channels) return false;
  return std::any_of(channels->begin(), channels->end(),
                     [&](const std::string& c) { return Contains(*e.channels, c); });
}

}  // namespace hookd::store::sqlite

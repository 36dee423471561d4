#include "delivery/engine.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <algorithm>
#include <deque>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/ids.h"
#include "core/text.h"
#include "core/thread_name.h"
#include "delivery/request_builder.h"
#include "delivery/signer.h"
#include "delivery/ssrf_guard.h"

namespace hookd::delivery {
namespace {

using core::DeliveryStatus;
using core::DueDelivery;
using Steady = std::chrono::steady_clock;

std::string KeyOf(const DueDelivery& d) { return d.msg_id + '/' + d.endpoint_id; }

// Per-endpoint scheduling state, owned by the engine thread.
struct EndpointState {
  std::deque<DueDelivery> queue;
  size_t in_flight = 0;
  // Cached settings; refreshed after the TTL or an invalidation. Shared with the attempts under
  // way, which keep the snapshot they started with.
  std::shared_ptr<const core::Endpoint> config;
  Steady::time_point loaded_at{};
  // Token bucket for throttleRate (tokens are messages).
  double tokens = 0;
  core::TimePoint refilled_at{};
  // Due deliveries were left in the store because the queue was full; `cursor` is how far the
  // endpoint's own top-up scans have read.
  bool backlog = false;
  std::optional<store::DueCursor> cursor;
};

enum class Admission { kAdmitted, kKnown, kEndpointFull, kWindowFull };

// Small LRU of messages, so fan-out to many endpoints reads a payload once.
class MessageCache {
 public:
  explicit MessageCache(size_t capacity) : capacity_(capacity) {}
  const core::Message* Find(const std::string& id) {
    auto it = index_.find(id);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &*it->second;
  }
  const core::Message* Put(core::Message msg) {
    if (auto* hit = Find(msg.id)) return hit;
    order_.push_front(std::move(msg));
    index_[order_.front().id] = order_.begin();
    if (order_.size() > capacity_) {
      index_.erase(order_.back().id);
      order_.pop_back();
    }
    return &order_.front();
  }

 private:
  size_t capacity_;
  std::list<core::Message> order_;
  std::unordered_map<std::string, std::list<core::Message>::iterator> index_;
};

}  // namespace

struct Engine::Impl {
  store::Store& store;
  const core::Clock& clock;
  core::Random& random;
  EngineOptions options;
  std::optional<SsrfGuard> guard;
  std::unique_ptr<HttpClient> http;
  Signer signer;
  MessageCache messages{4096};

  // Engine-thread state.
  std::unordered_map<std::string, EndpointState> endpoints;
  std::unordered_set<std::string> known;  // deliveries queued, in flight or being recorded
  std::unordered_set<std::string> active;  // endpoints with queued deliveries
  std::unordered_set<std::string> flying;  // deliveries with an attempt under way
  std::unordered_set<std::string> killing;  // messages whose kill is being committed
  std::unordered_map<std::string, std::pair<Steady::time_point, core::StringMap>> app_envs;
  std::optional<store::DueCursor> cursor;  // global sweep position
  bool sweeping = false;                   // the last sweep batch was full: more to read
  Steady::time_point next_scan{};
  size_t in_flight = 0;

  // Inbox from other threads.
  std::mutex mu;
  // Events from store threads, in the order they happened: a delivery's "due" hint from its
  // commit must be handled before its "recorded" event, or it would be admitted twice.
  struct Event {
    enum Kind { kDue, kRecorded, kInvalidated, kKill, kKilled } kind;
    DueDelivery due;     // kDue
    std::string key;     // kRecorded: delivery key; kInvalidated: endpoint id; kKill(ed): msg id
    store::Done<store::KillResult> kill_done;  // kKill
  };
  std::vector<Event> inbox;
  bool stopping = false;
  std::thread thread;

  // Stats.
  std::atomic<uint64_t> attempts_ok{0}, attempts_failed{0}, exhausted{0}, scans{0};
  std::atomic<uint64_t> stat_in_flight{0}, stat_window{0};
  std::array<std::atomic<uint64_t>, std::size(kLatencyBuckets) + 1> latency{};
  std::atomic<uint64_t> latency_sum_us{0};

  Impl(store::Store& s, const core::Clock& c, core::Random& r, EngineOptions o)
      : store(s), clock(c), random(r), options(std::move(o)) {}

  // Adds to the inbox under the lock. Only the first event after a drain wakes the engine
  // thread (a wakeup stays pending until its poll consumes it), so a burst of outcomes costs
  // one wakeup, not one each.
  void Post(const std::function<void()>& fill) {
    bool was_empty;
    {
      std::lock_guard lock(mu);
      was_empty = inbox.empty();
      fill();
    }
    if (was_empty && http) http->Wakeup();
  }

  void Run() {
    while (true) {
      {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
      DrainInbox();
      bool room = known.size() < options.window / 2;
      if ((sweeping && room) || Steady::now() >= next_scan) Scan();
      if (room) TopUp();
      bool more = Dispatch();
      stat_in_flight = in_flight;
      stat_window = known.size();
      auto wait = more ? std::chrono::milliseconds(0)
                       : std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::clamp<Steady::duration>(next_scan - Steady::now(),
                                                          std::chrono::milliseconds(0),
                                                          std::chrono::milliseconds(100)));
      http->Poll(wait);
    }
  }

  void DrainInbox() {
    std::vector<Event> events;
    {
      std::lock_guard lock(mu);
      events.swap(inbox);
    }
    for (auto& e : events) {
      switch (e.kind) {
        case Event::kDue: Admit(std::move(e.due)); break;
        case Event::kRecorded: known.erase(e.key); break;
        case Event::kInvalidated: InvalidateLocal(e.key); break;
        case Event::kKill: KillNow(e.key, std::move(e.kill_done)); break;
        case Event::kKilled: killing.erase(e.key); break;
      }
    }
  }

  // Takes a due delivery into the window if there is room; otherwise the store keeps it (and
  // a full endpoint is marked for top-up scans of its own).
  Admission Admit(DueDelivery d) {
    if (known.contains(KeyOf(d)) || killing.contains(d.msg_id)) return Admission::kKnown;
    if (known.size() >= options.window) return Admission::kWindowFull;
    auto& ep = endpoints[d.endpoint_id];
    if (ep.queue.size() >= options.endpoint_queue) {
      ep.backlog = true;
      return Admission::kEndpointFull;
    }
    known.insert(KeyOf(d));
    active.insert(d.endpoint_id);
    ep.queue.push_back(std::move(d));
    return Admission::kAdmitted;
  }

  // Reads due deliveries from the store, continuing the global sweep from its cursor. The sweep
  // passes over endpoints whose queues are full (they top up on their own), so one saturated
  // endpoint never hides the others' due work.
  void Scan() {
    next_scan = Steady::now() + options.scan_interval;
    if (known.size() >= options.window) return;
    int limit = static_cast<int>(options.scan_batch);
    auto rows = store.ListDueDeliveries(clock.Now(), cursor, limit);
    if (!rows) {
      spdlog::warn("delivery: scan failed: {}", rows.error().detail);
      return;
    }
    scans.fetch_add(1, std::memory_order_relaxed);
    size_t admitted = 0;
    for (auto& d : *rows) {
      store::DueCursor at{d.due, d.msg_id, d.endpoint_id};
      auto result = Admit(std::move(d));
      if (result == Admission::kWindowFull) {
        sweeping = true;  // resume here once the window has room
        return;
      }
      if (result == Admission::kAdmitted) ++admitted;
      cursor = std::move(at);
    }
    bool more = static_cast<int>(rows->size()) == limit;
    if (!more) cursor.reset();  // reached the end: the next sweep starts over
    // Keep sweeping only while it finds work: rows of full endpoints are theirs to top up.
    sweeping = more && admitted > 0;
  }

  // Refills endpoints that left due work in the store, from their own due order.
  void TopUp() {
    for (auto& [id, ep] : endpoints) {
      if (!ep.backlog || ep.queue.size() > options.endpoint_queue / 2) continue;
      if (known.size() >= options.window) return;
      int limit = static_cast<int>(std::min(options.endpoint_queue - ep.queue.size(),
                                            options.window - known.size()));
      auto rows = store.ListDueDeliveries(clock.Now(), ep.cursor, limit, id);
      if (!rows) {
        spdlog::warn("delivery: top-up scan failed: {}", rows.error().detail);
        return;
      }
      ep.backlog = false;
      for (auto& d : *rows) {
        ep.cursor = store::DueCursor{d.due, d.msg_id, d.endpoint_id};
        Admit(std::move(d));
      }
      if (static_cast<int>(rows->size()) == limit) ep.backlog = true;  // more to read
      else ep.cursor.reset();
    }
  }

  // The endpoint's settings, loaded from the store when stale. Null if it no longer exists.
  const std::shared_ptr<const core::Endpoint>& Config(const DueDelivery& d, EndpointState& ep) {
    auto now = Steady::now();
    if (!ep.config || now - ep.loaded_at > options.endpoint_cache_ttl) {
      auto loaded = store.GetEndpoint(d.app_id, d.endpoint_id);
      if (!loaded) {
        ep.config.reset();
        return ep.config;
      }
      bool rate_changed = !ep.config || ep.config->throttle_rate != loaded->throttle_rate;
      ep.config = std::make_shared<const core::Endpoint>(std::move(*loaded));
      ep.loaded_at = now;
      if (rate_changed && ep.config->throttle_rate) {
        ep.tokens = *ep.config->throttle_rate;
        ep.refilled_at = clock.Now();
      }
    }
    return ep.config;
  }

  // True when the endpoint's throttle allows one more send now (and takes the token).
  bool TakeToken(EndpointState& ep) {
    if (!ep.config || !ep.config->throttle_rate) return true;
    double rate = *ep.config->throttle_rate;
    auto now = clock.Now();
    double elapsed = std::chrono::duration<double>(now - ep.refilled_at).count();
    if (elapsed > 0) {
      ep.tokens = std::min(rate, ep.tokens + elapsed * rate);
      ep.refilled_at = now;
    }
    if (ep.tokens < 1.0) return false;
    ep.tokens -= 1.0;
    return true;
  }

  // Starts as many sends as limits allow. True if more could be started right away.
  bool Dispatch() {
    bool more = false;
    std::vector<std::string> drained;
    for (const auto& id : active) {
      auto& ep = endpoints[id];
      while (!ep.queue.empty() && in_flight < options.max_in_flight &&
             ep.in_flight < options.endpoint_concurrency) {
        DueDelivery d = ep.queue.front();
        auto config = Config(d, ep);
        if (!config) {  // endpoint deleted: its deliveries went with it
          ep.queue.pop_front();
          known.erase(KeyOf(d));
          continue;
        }
        if (config->disabled) {
          ep.queue.pop_front();
          Record(d, std::nullopt,
                 {d.msg_id, d.endpoint_id, DeliveryStatus::kFail, d.attempts, std::nullopt});
          continue;
        }
        if (!TakeToken(ep)) break;
        ep.queue.pop_front();
        Send(std::move(d), std::move(config), ep);
      }
      if (ep.queue.empty()) drained.push_back(id);
      else if (in_flight < options.max_in_flight && ep.in_flight < options.endpoint_concurrency &&
               (!ep.config || !ep.config->throttle_rate))
        more = true;
    }
    for (const auto& id : drained) active.erase(id);
    return more;
  }

  // One attempt in progress: tries over the endpoint's URLs (each `retries_per_url` times)
  // until one succeeds, the URLs run out, or the total timeout is spent.
  struct Flight {
    DueDelivery d;
    std::shared_ptr<const core::Endpoint> config;  // snapshot for the whole attempt
    std::span<const std::string> urls() const { return EndpointUrls(*config); }
    size_t url_index = 0;
    int tries_on_url = 0;
    std::optional<core::TimePoint> deadline;  // totalTimeoutMs, from the message's creation
  };

  // The app's env (for URL templates), cached like endpoint settings.
  const core::StringMap& AppEnv(const std::string& app_id) {
    auto& entry = app_envs[app_id];
    auto now = Steady::now();
    if (entry.first == Steady::time_point{} || now - entry.first > options.endpoint_cache_ttl) {
      auto app = store.GetApp(app_id);
      entry.second = app ? app->env : core::StringMap{};
      entry.first = now;
    }
    return entry.second;
  }

  const core::Message* LoadMessage(const DueDelivery& d) {
    if (d.message) return d.message.get();
    if (const auto* hit = messages.Find(d.msg_id)) return hit;
    auto loaded = store.GetMessage(d.app_id, d.msg_id);
    return loaded ? messages.Put(std::move(*loaded)) : nullptr;
  }

  void Send(DueDelivery d, std::shared_ptr<const core::Endpoint> config, EndpointState& ep) {
    const core::Message* msg = LoadMessage(d);
    if (!msg) {  // message deleted
      known.erase(KeyOf(d));
      return;
    }
    Flight f{std::move(d), std::move(config)};
    if (f.config->options.total_timeout_ms)
      f.deadline = msg->created_at + std::chrono::milliseconds(*f.config->options.total_timeout_ms);
    ++ep.in_flight;
    ++in_flight;
    flying.insert(KeyOf(f.d));
    StartTry(std::move(f));
  }

  void StartTry(Flight f) {
    auto now = clock.Now();
    const core::Message* msg = LoadMessage(f.d);
    if (!msg) return Land(std::move(f), now, {.error = "gone", .error_detail = "message deleted"});
    auto timeout = f.config->options.timeout_ms ? std::chrono::milliseconds(*f.config->options.timeout_ms)
                                               : options.attempt_timeout;
    if (f.deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*f.deadline - now);
      if (left.count() <= 0) {
        return Land(std::move(f), now,
                    {.error = "timeout", .error_detail = "total timeout of the delivery spent"});
      }
      timeout = std::min(timeout, left);
    }
    const std::string& url = f.urls()[f.url_index];
    auto req = BuildRequest(*f.config, url, *msg, AppEnv(f.d.app_id), now, signer,
                            {timeout, options.svix_headers});
    if (!req) {  // a URL variable without a value: no request is made
      return Land(std::move(f), now, {.error = "template", .error_detail = req.error().detail});
    }
    http->Submit(std::move(*req), [this, f = std::move(f), now](HttpResult r) mutable {
      Land(std::move(f), now, std::move(r));
    });
  }

  bool Succeeded(const core::Endpoint& config, const HttpResult& r) {
    if (r.status == 0) return false;
    if (config.options.success_status) {
      const auto& ok = *config.options.success_status;
      return std::find(ok.begin(), ok.end(), r.status) != ok.end();
    }
    return r.status >= 200 && r.status < 300;
  }

  // A try finished (or could not start): record it, then try the next URL or end the attempt.
  void Land(Flight f, core::TimePoint started, HttpResult r) {
    bool ok = Succeeded(*f.config, r);
    (ok ? attempts_ok : attempts_failed).fetch_add(1, std::memory_order_relaxed);
    double secs = std::chrono::duration<double>(r.duration).count();
    size_t b = 0;
    while (b < std::size(kLatencyBuckets) && secs > kLatencyBuckets[b]) ++b;
    latency[b].fetch_add(1, std::memory_order_relaxed);
    latency_sum_us.fetch_add(static_cast<uint64_t>(r.duration.count()), std::memory_order_relaxed);

    const DueDelivery& d = f.d;
    core::Attempt attempt;
    attempt.id = core::NewId("atmpt", clock);
    attempt.app_id = d.app_id;
    attempt.msg_id = d.msg_id;
    attempt.endpoint_id = d.endpoint_id;
    attempt.url = f.urls()[f.url_index];
    attempt.response_status = r.status;
    attempt.response = core::SanitizeUtf8(r.body);
    attempt.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.duration).count();
    attempt.error = r.error;
    attempt.error_detail = r.error_detail;
    attempt.trigger = d.trigger;
    attempt.status = ok ? DeliveryStatus::kSuccess : DeliveryStatus::kFail;
    attempt.created_at = started;
    if (!ok && r.error.empty() && r.status >= 300 && r.status < 400) {
      attempt.error_detail = "redirects are not followed";
    }

    // Failover: the next try of this attempt, unless the receiver said stop (410) or time is up.
    if (!ok && r.status != 410 && r.error != "gone" &&
        (!f.deadline || clock.Now() < *f.deadline)) {
      if (++f.tries_on_url >= f.config->options.retries_per_url) {
        f.tries_on_url = 0;
        ++f.url_index;
      }
      if (f.url_index < f.urls().size()) {
        // The delivery stays due where it was: after a crash the attempt starts over.
        store.RecordOutcome(std::move(attempt),
                            {d.msg_id, d.endpoint_id, DeliveryStatus::kSending, d.attempts, d.due},
                            [](core::Status) {});
        return StartTry(std::move(f));
      }
    }

    --in_flight;
    flying.erase(KeyOf(d));
    auto it = endpoints.find(d.endpoint_id);
    if (it != endpoints.end() && it->second.in_flight > 0) --it->second.in_flight;

    core::DeliveryUpdate update{d.msg_id, d.endpoint_id, DeliveryStatus::kSuccess,
                                d.attempts + 1, std::nullopt};
    update.trigger = d.trigger;
    if (!ok) {
      update.status = DeliveryStatus::kFail;
      if (r.status == 410) {  // Gone: the receiver asks us to stop
        update.disable_endpoint = true;
        InvalidateLocal(d.endpoint_id);
        spdlog::info("delivery: endpoint {} answered 410 Gone; disabled", d.endpoint_id);
      } else if (r.error != "gone") {
        std::optional<std::chrono::seconds> retry_after;
        if ((r.status == 429 || r.status == 503) && r.retry_after)
          retry_after = ParseRetryAfter(*r.retry_after, clock.Now());
        auto delay = NextRetryDelay(PolicyFor(*f.config), update.attempts, retry_after, random);
        auto next = delay ? std::optional(clock.Now() + *delay) : std::nullopt;
        if (next && f.deadline && *next >= *f.deadline) next.reset();  // past the total timeout
        if (next) {
          update.status = DeliveryStatus::kSending;
          update.next_attempt_at = next;
        } else {
          exhausted.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
    Record(d, std::move(attempt), std::move(update));
  }

  // Drops the message's queued deliveries, then cancels in the store all that are not under
  // way; until that commits, scans must not admit them again.
  void KillNow(const std::string& msg_id, store::Done<store::KillResult> done) {
    killing.insert(msg_id);
    for (const auto& id : active) {
      auto& q = endpoints[id].queue;
      for (auto it = q.begin(); it != q.end();) {
        if (it->msg_id == msg_id) {
          known.erase(KeyOf(*it));
          it = q.erase(it);
        } else {
          ++it;
        }
      }
    }
    std::vector<std::string> under_way;
    std::string prefix = msg_id + '/';
    for (const auto& key : flying)
      if (key.starts_with(prefix)) under_way.push_back(key.substr(prefix.size()));
    store.KillDeliveries(msg_id, std::move(under_way),
                         [this, msg_id, done = std::move(done)](core::Result<store::KillResult> r) {
                           Post([&] { inbox.push_back({Event::kKilled, {}, msg_id, {}}); });
                           done(std::move(r));
                         });
  }

  // The endpoint's own retry schedule when it has one, else the global policy.
  RetryPolicy PolicyFor(const core::Endpoint& config) {
    if (!config.retry_schedule) return options.retry;
    RetryPolicy p = options.retry;
    p.schedule.clear();
    for (int s : *config.retry_schedule) p.schedule.emplace_back(s);
    return p;
  }

  void InvalidateLocal(const std::string& endpoint_id) {
    auto it = endpoints.find(endpoint_id);
    if (it != endpoints.end()) it->second.config.reset();
  }

  // Stores the outcome; the delivery leaves the window once that is durable.
  void Record(const DueDelivery& d, std::optional<core::Attempt> attempt,
              core::DeliveryUpdate update) {
    store.RecordOutcome(std::move(attempt), std::move(update),
                        [this, key = KeyOf(d)](core::Status s) {
                          if (!s) spdlog::warn("delivery: recording failed: {}", s.error().detail);
                          Post([&] { inbox.push_back({Event::kRecorded, {}, key, {}}); });
                        });
  }
};

Engine::Engine(store::Store& store, const core::Clock& clock, core::Random& random,
               EngineOptions options)
    : impl_(std::make_unique<Impl>(store, clock, random, std::move(options))) {}

Engine::~Engine() { Stop(); }

void Engine::AttachToStore() {
  impl_->store.SetDueListener([this](std::vector<core::DueDelivery> due) { Enqueue(std::move(due)); });
}

core::Status Engine::Start() {
  auto guard = SsrfGuard::Create(impl_->options.allowed_networks);
  if (!guard) return std::unexpected(guard.error());
  impl_->guard.emplace(std::move(*guard));
  auto http_options = impl_->options.http;
  if (http_options.user_agent.empty()) http_options.user_agent = "hookd/" HOOKD_VERSION;
  impl_->http = std::make_unique<HttpClient>(http_options, &*impl_->guard);
  impl_->thread = std::thread([this] {
    core::NameThisThread("hookd-delivery");
    impl_->Run();
  });
  return {};
}

void Engine::Stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  if (impl_->http) impl_->http->Wakeup();
  impl_->thread.join();
  impl_->http.reset();
}

void Engine::Enqueue(std::vector<core::DueDelivery> due) {
  impl_->Post([&] {
    for (auto& d : due) impl_->inbox.push_back({Impl::Event::kDue, std::move(d), {}, {}});
  });
}

void Engine::InvalidateEndpoint(const std::string& endpoint_id) {
  impl_->Post([&] { impl_->inbox.push_back({Impl::Event::kInvalidated, {}, endpoint_id, {}}); });
}

void Engine::Kill(const std::string& msg_id, store::Done<store::KillResult> done) {
  if (!impl_->thread.joinable()) {
    return impl_->store.KillDeliveries(msg_id, {}, std::move(done));
  }
  impl_->Post([&] { impl_->inbox.push_back({Impl::Event::kKill, {}, msg_id, std::move(done)}); });
}

EngineStats Engine::Stats() const {
  EngineStats s;
  s.attempts_ok = impl_->attempts_ok.load();
  s.attempts_failed = impl_->attempts_failed.load();
  s.deliveries_exhausted = impl_->exhausted.load();
  s.scans = impl_->scans.load();
  s.in_flight = impl_->stat_in_flight.load();
  s.window = impl_->stat_window.load();
  for (const auto& c : impl_->latency) s.latency_counts.push_back(c.load());
  s.latency_sum_seconds = impl_->latency_sum_us.load() / 1e6;
  return s;
}

}  // namespace hookd::delivery

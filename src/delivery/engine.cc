#include "delivery/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/ids.h"
#include "core/text.h"
#include "core/thread_setup.h"
#include "delivery/outcome.h"
#include "delivery/reply.h"
#include "delivery/request_builder.h"
#include "delivery/signer.h"
#include "delivery/ssrf_guard.h"

namespace hookd::delivery {
namespace {

using core::DeliveryStatus;
using core::DueDelivery;
using Steady = std::chrono::steady_clock;

// "msg/endpoint": ids never contain '/'.
std::string KeyOf(const DueDelivery& d) { return d.msg_id + '/' + d.endpoint_id; }
core::DeliveryKey KeyParts(const std::string& key) {
  auto slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// Logs a failing store call once per outage, and its recovery, instead of once per call.
// Thread-safe.
class OutageLog {
 public:
  explicit OutageLog(const char* what) : what_(what) {}
  void Failed(const core::Error& e) {
    if (!failing_.exchange(true)) spdlog::warn("delivery: {} failing: {}", what_, e.detail);
  }
  void Succeeded() {
    if (failing_.load(std::memory_order_relaxed) && failing_.exchange(false))
      spdlog::info("delivery: {} working again", what_);
  }

 private:
  const char* what_;
  std::atomic<bool> failing_{false};
};

// Per-endpoint scheduling state, owned by the engine thread.
struct EndpointState {
  std::deque<DueDelivery> queue;
  size_t in_flight = 0;
  struct FlightRef {
    uint64_t transfer;
    core::TimePoint lease_until;  // of the claim when it was made
  };
  std::unordered_map<std::string, FlightRef> flights;  // requests under way, by delivery key
  size_t held = 0;       // claimed deliveries of this endpoint: queued, in flight or being recorded
  bool crowded = false;  // a claim passed over some of its deliveries for want of room
  // The newest settings a claim brought; attempts keep the snapshot they started with.
  std::shared_ptr<const core::Endpoint> config;
  // Token bucket for throttleRate (tokens are messages).
  double tokens = 0;
  core::TimePoint refilled_at{};
};

}  // namespace

struct Engine::Impl {
  store::Store& store;
  const core::Clock& clock;
  core::Random& random;
  EngineOptions options;
  std::string node = core::NewId("node");  // this run's identity in the store's claims
  std::optional<SsrfGuard> guard;
  std::unique_ptr<HttpClient> http;
  Signer signer;

  // Engine-thread state.
  std::unordered_map<std::string, EndpointState> endpoints;
  std::unordered_map<std::string, size_t> app_held;       // claimed deliveries per app
  std::unordered_set<std::string> crowded_apps;           // as EndpointState::crowded, per app
  std::unordered_map<std::string, size_t> app_in_flight;  // requests under way per app
  std::unordered_set<std::string> known;   // keys of every claimed delivery (see KeyOf)
  std::unordered_set<std::string> active;  // endpoints with queued deliveries
  bool claiming = false;                   // a claim is out
  size_t claim_limit = 0;                  // of the last claim
  bool claim_swept = false;  // the last claim swept the due order (and moved the cursor)
  bool woken = false;        // commits made deliveries due since the last claim started
  std::optional<store::DueCursor> cursor;  // sweep position
  bool sweeping = false;                   // the last sweep found work and stopped early
  bool sweep_from_start = false;           // the next claim sweeps from the start (Forget)
  Steady::time_point next_scan{};
  Steady::time_point next_claim{};  // claims start no sooner (options.claim_interval)
  bool renewing = false;
  core::TimePoint renewed_until{};  // every lease held before the last renewal lasts until then
  core::TimePoint next_renew{};
  bool renew_failed = false;  // the last renewal failed: the store is out of reach
  int live_nodes = 1;         // nodes claiming from the store: each sends its share of a rate
  size_t in_flight = 0;
  struct FlightRef {
    uint64_t transfer;
    core::TimePoint lease_until;  // of the claim when it was made
  };
  std::unordered_map<std::string, FlightRef> flights;  // requests under way, by delivery key

  // Inbox from store threads, handled in order on the engine thread.
  std::mutex mu;
  struct Event {
    enum Kind { kWake, kClaimed, kRecorded, kRenewed } kind;
    core::Result<store::ClaimBatch> batch = store::ClaimBatch{};  // kClaimed
    std::string key;                                              // kRecorded
    std::optional<core::TimePoint> renewed;                       // kRenewed: null on failure
    int live_nodes = 1;                                           // kRenewed
  };
  std::vector<Event> inbox;
  bool stopping = false;
  std::thread thread;

  OutageLog claim_log{"claiming deliveries"}, renew_log{"renewing claims"},
      record_log{"recording outcomes"};

  // Stats.
  std::atomic<uint64_t> attempts_ok{0}, attempts_failed{0}, exhausted{0}, scans{0};
  std::atomic<uint64_t> stat_in_flight{0}, stat_window{0}, stat_live_nodes{1};
  std::array<std::atomic<uint64_t>, std::size(kLatencyBuckets) + 1> latency{};
  std::atomic<uint64_t> latency_sum_us{0};

  Impl(store::Store& s, const core::Clock& c, core::Random& r, EngineOptions o)
      : store(s), clock(c), random(r), options(std::move(o)) {}

  // Adds to the inbox under the lock. Only the first event after a drain wakes the engine
  // thread (a wakeup stays pending until its poll consumes it), so a burst of outcomes costs
  // one wakeup, not one each.
  void Post(Event e) {
    std::lock_guard lock(mu);  // also keeps `http` alive: Stop() destroys it under `mu`
    bool was_empty = inbox.empty();
    inbox.push_back(std::move(e));
    if (was_empty && http) http->Wakeup();
  }

  void Run() {
    while (true) {
      {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
      DrainInbox();
      if (clock.Now() >= next_renew) Renew();
      GiveUpExpiredClaims();
      bool room = known.size() < options.window / 2;
      auto now = Steady::now();
      bool sweep = sweeping || sweep_from_start || now >= next_scan;
      bool want = !claiming && room && (woken || sweep);
      bool paced = want && now < next_claim;
      if (want && !paced) {
        Claim(sweep);
        next_claim = now + options.claim_interval;
      }
      bool more = Dispatch();
      stat_in_flight = in_flight;
      stat_window = known.size();
      auto until = paced ? std::min(next_claim, next_scan) : next_scan;
      auto wait = more ? std::chrono::milliseconds(0)
                       : std::chrono::ceil<std::chrono::milliseconds>(std::clamp<Steady::duration>(
                             until - Steady::now(), std::chrono::milliseconds(0),
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
        case Event::kWake:
          woken = true;
          break;
        case Event::kClaimed:
          Claimed(std::move(e.batch));
          break;
        case Event::kRecorded:
          Forget(e.key);
          break;
        case Event::kRenewed:
          renewing = false;
          renew_failed = !e.renewed;
          if (e.renewed) {
            renewed_until = *e.renewed;
            live_nodes = std::max(1, e.live_nodes);
            stat_live_nodes = live_nodes;
          }
          break;
      }
    }
  }

  // Asks the store for due work, as much as the window has room for, fairly: no endpoint or
  // app more than its share. `sweep`: also read the due order (not only what commits of this
  // node just made due).
  void Claim(bool sweep) {
    claiming = true;
    woken = false;
    if (sweep && Steady::now() >= next_scan) next_scan = Steady::now() + options.scan_interval;
    store::ClaimRequest req;
    req.node = node;
    req.now = clock.Now();
    req.lease_until = req.now + options.lease;
    req.limit = claim_limit = std::min(options.scan_batch, options.window - known.size());
    req.per_endpoint = options.endpoint_queue;
    req.per_app = options.app_window;
    req.sweep = claim_swept = sweep;
    if (sweep) {
      if (std::exchange(sweep_from_start, false)) cursor.reset();
      req.after = cursor;
    }
    for (auto it = endpoints.begin(); it != endpoints.end();) {
      auto& ep = it->second;
      if (ep.held == 0 && (!ep.config || !ep.config->throttle_rate)) {
        it = endpoints.erase(it);  // nothing to remember
        continue;
      }
      size_t room = ep.held < options.endpoint_queue ? options.endpoint_queue - ep.held : 0;
      if (ep.config && ep.config->throttle_rate) {
        Refill(ep);
        size_t tokens = static_cast<size_t>(ep.tokens);
        room = std::min(room, tokens > ep.queue.size() ? tokens - ep.queue.size() : 0);
      }
      req.endpoint_room[it->first] = room;
      ++it;
    }
    for (const auto& [app, held] : app_held) {
      req.app_room[app] = held < options.app_window ? options.app_window - held : 0;
    }
    store.ClaimDue(std::move(req), [this](core::Result<store::ClaimBatch> r) {
      Event e{Event::kClaimed};
      e.batch = std::move(r);
      Post(std::move(e));
    });
  }

  void Claimed(core::Result<store::ClaimBatch> batch) {
    claiming = false;
    scans.fetch_add(1, std::memory_order_relaxed);
    if (!batch) return claim_log.Failed(batch.error());
    claim_log.Succeeded();
    for (auto& d : batch->claimed) Admit(std::move(d));
    for (const auto& id : batch->crowded_endpoints) {
      auto ep = endpoints.find(id);
      if (ep != endpoints.end() && ep->second.held > 0) ep->second.crowded = true;
    }
    for (const auto& id : batch->crowded_apps)
      if (app_held.contains(id)) crowded_apps.insert(id);
    // Claim again at once while claims come back full or the sweep finds work; a sweep that
    // reached the end starts over next time.
    bool full = batch->claimed.size() >= claim_limit;
    if (!claim_swept) {
      sweeping = sweeping || full;
      return;
    }
    sweeping = full || (batch->next && !batch->claimed.empty());
    cursor = std::move(batch->next);
  }

  void Admit(DueDelivery d) {
    auto key = KeyOf(d);
    if (known.contains(key)) return;  // claimed again after its lease ran out while held here
    auto& ep = endpoints[d.endpoint_id];
    bool rate_changed = !ep.config || ep.config->throttle_rate != d.endpoint->throttle_rate;
    ep.config = d.endpoint;
    if (rate_changed && ep.config->throttle_rate) {
      ep.tokens = std::max(1.0, *ep.config->throttle_rate / static_cast<double>(live_nodes));
      ep.refilled_at = clock.Now();
    }
    ++ep.held;
    ++app_held[d.app_id];
    active.insert(d.endpoint_id);
    ep.queue.push_back(std::move(d));
    known.insert(std::move(key));
  }

  // The delivery left the window (its outcome is recorded, or it was given back).
  // A held delivery's endpoint state (with its config, hence its app) lives while it is held.
  // Claims pass over the deliveries of an endpoint or app without room (fresh ones are left to
  // sweeps, sweeps move on): once a crowded one has drained to half its share, the due order is
  // swept again from its start, so a backlog beyond the share drains as fast as it is delivered
  // instead of one share per scan interval.
  void Forget(const std::string& key) {
    if (!known.erase(key)) return;
    auto ep = endpoints.find(KeyParts(key).endpoint_id);
    if (ep == endpoints.end()) return;
    auto& state = ep->second;
    if (--state.held * 2 <= options.endpoint_queue && state.crowded) {
      state.crowded = false;
      sweep_from_start = true;
    }
    const auto& app_id = state.config->app_id;
    auto app = app_held.find(app_id);
    if (app == app_held.end()) return;
    if (--app->second * 2 <= options.app_window && crowded_apps.erase(app_id))
      sweep_from_start = true;
    if (app->second == 0) app_held.erase(app);
  }

  // Extends this node's leases well before they expire.
  void Renew() {
    auto now = clock.Now();
    next_renew = now + options.lease / 3;
    if (renewing) return;
    renewing = true;
    auto until = now + options.lease;
    store.RenewLeases(node, now, until, [this, until](core::Result<store::LeaseRenewal> r) {
      if (r)
        renew_log.Succeeded();
      else
        renew_log.Failed(r.error());
      Event e{Event::kRenewed};
      if (r) {
        e.renewed = until;
        e.live_nodes = r->live_nodes;
      }
      Post(std::move(e));
    });
  }

  // Renewals fail (the store is out of reach) and claims run out: requests under way for them are
  // canceled, so none is still in flight when another node may claim the delivery.
  void GiveUpExpiredClaims() {
    auto now = clock.Now();
    auto margin = options.lease / 6;
    if (!renew_failed || flights.empty() || now + margin < renewed_until) return;
    std::vector<uint64_t> expired;
    for (const auto& [key, f] : flights) {
      if (now + margin >= std::max(f.lease_until, renewed_until)) expired.push_back(f.transfer);
    }
    if (!expired.empty()) {
      spdlog::warn("delivery: claims not renewed in time; giving up {} request(s) under way",
                   expired.size());
    }
    for (auto id : expired) http->Cancel(id);
  }

  // Whether the claim on `d` is still valid long enough to start an attempt.
  bool LeaseValid(const DueDelivery& d) {
    auto until = std::max(d.lease_until, renewed_until);
    return clock.Now() + options.lease / 6 < until;
  }

  // throttleRate is shared among the live nodes: each sends its share, so together they keep to
  // the rate (a bucket holds at least one token, so a share below 1/s still sends).
  void Refill(EndpointState& ep) {
    double rate = *ep.config->throttle_rate / live_nodes;
    auto now = clock.Now();
    double elapsed = std::chrono::duration<double>(now - ep.refilled_at).count();
    if (elapsed > 0) {
      ep.tokens = std::min(std::max(rate, 1.0), ep.tokens + elapsed * rate);
      ep.refilled_at = now;
    }
  }

  // True when the endpoint's throttle allows one more send now (and takes the token).
  bool TakeToken(EndpointState& ep) {
    if (!ep.config || !ep.config->throttle_rate) return true;
    Refill(ep);
    if (ep.tokens < 1.0) return false;
    ep.tokens -= 1.0;
    return true;
  }

  // Whether the app may have one more request under way.
  bool AppRoom(const std::string& app) {
    auto it = app_in_flight.find(app);
    return it == app_in_flight.end() || it->second < options.app_in_flight;
  }

  // Starts as many sends as limits allow. True if more could be started right away.
  bool Dispatch() {
    bool more = false;
    std::vector<std::string> drained;
    for (const auto& id : active) {
      auto& ep = endpoints[id];
      const std::string& app = ep.config->app_id;
      while (!ep.queue.empty() && in_flight < options.max_in_flight &&
             ep.in_flight < options.endpoint_concurrency && AppRoom(app)) {
        DueDelivery& d = ep.queue.front();
        if (!LeaseValid(d)) {  // held too long without a renewal: give it back
          store.ReleaseClaims(node, {d.key()}, [](core::Status) {});
          auto key = KeyOf(d);
          ep.queue.pop_front();
          Forget(key);
          continue;
        }
        // Held until the endpoint is enabled, unless it is the probe of its recovery.
        if (d.endpoint->disabled && d.trigger != core::AttemptTrigger::kProbe) {
          DueDelivery held = std::move(d);
          ep.queue.pop_front();
          Record(held, std::nullopt, Hold(held));
          continue;
        }
        if (!TakeToken(ep)) break;
        DueDelivery next = std::move(d);
        ep.queue.pop_front();
        Send(std::move(next), ep);
      }
      if (ep.queue.empty())
        drained.push_back(id);
      else if (in_flight < options.max_in_flight && ep.in_flight < options.endpoint_concurrency &&
               AppRoom(app) && !ep.config->throttle_rate)
        more = true;
    }
    for (const auto& id : drained) active.erase(id);
    return more;
  }

  // One attempt in progress: tries over the endpoint's URLs (each `retries_per_url` times)
  // until one succeeds, the URLs run out, or the total timeout is spent.
  struct Flight {
    DueDelivery d;
    std::span<const std::string> urls() const { return EndpointUrls(*d.endpoint); }
    size_t url_index = 0;
    int tries_on_url = 0;
    std::optional<core::TimePoint> deadline;  // totalTimeoutMs, from the message's creation
    // At most kAttemptHold try timeouts after the attempt started, so one attempt cannot hold a
    // request slot for long however many URLs and tries it has.
    core::TimePoint hold_until;
    core::TimePoint ends() const { return deadline ? std::min(*deadline, hold_until) : hold_until; }
  };
  static constexpr int kAttemptHold = 4;

  std::chrono::milliseconds TryTimeout(const core::Endpoint& config) const {
    return config.options.timeout_ms ? std::chrono::milliseconds(*config.options.timeout_ms)
                                     : options.attempt_timeout;
  }

  void Send(DueDelivery d, EndpointState& ep) {
    Flight f{std::move(d)};
    const auto& options_of = f.d.endpoint->options;
    f.hold_until = clock.Now() + kAttemptHold * TryTimeout(*f.d.endpoint);
    if (options_of.total_timeout_ms)
      f.deadline =
          f.d.message->created_at + std::chrono::milliseconds(*options_of.total_timeout_ms);
    ++ep.in_flight;
    ++in_flight;
    ++app_in_flight[f.d.app_id];
    StartTry(std::move(f));
  }

  void StartTry(Flight f) {
    auto now = clock.Now();
    const auto& config = *f.d.endpoint;
    if (now >= f.ends()) {  // (then Land tries no further URL either)
      return Land(std::move(f), now,
                  {.error = "timeout",
                   .error_detail = f.deadline && *f.deadline <= now
                                       ? "total timeout of the delivery spent"
                                       : "the attempt's time over its URLs is spent (" +
                                             std::to_string(kAttemptHold) + " try timeouts)"});
    }
    auto timeout =
        std::min(TryTimeout(config), std::chrono::ceil<std::chrono::milliseconds>(f.ends() - now));
    const std::string& url = f.urls()[f.url_index];
    auto req = BuildRequest(config, url, *f.d.message, f.d.app->env, now, signer,
                            {timeout, options.svix_headers});
    if (!req) {  // a URL variable without a value: no request is made
      return Land(std::move(f), now, {.error = "template", .error_detail = req.error().detail});
    }
    auto key = KeyOf(f.d);
    auto lease_until = f.d.lease_until;
    auto id = http->Submit(std::move(*req), [this, f = std::move(f), now](HttpResult r) mutable {
      flights.erase(KeyOf(f.d));
      Land(std::move(f), now, std::move(r));
    });
    flights[key] = {id, lease_until};
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
    const core::Endpoint& config = *f.d.endpoint;
    bool ok = Succeeded(config, r);
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
    if (ok && (config.options.expects_reply || d.message->expects_reply)) {
      ReadReply(r.body, attempt);
    }

    // Failover: the next try of this attempt, unless the receiver said stop (410), time is up or
    // the claim was given up.
    if (!ok && r.status != 410 && r.error != "canceled" && clock.Now() < f.ends()) {
      if (++f.tries_on_url >= config.options.retries_per_url) {
        f.tries_on_url = 0;
        ++f.url_index;
      }
      if (f.url_index < f.urls().size()) {
        // The delivery stays due where it was: after a crash the attempt starts over.
        core::DeliveryUpdate keep{d.msg_id, d.endpoint_id, DeliveryStatus::kSending, d.attempts,
                                  d.due};
        keep.node = node;
        keep.keep_claim = true;
        store.RecordOutcome(std::move(attempt), std::move(keep), [](core::Status) {});
        return StartTry(std::move(f));
      }
    }

    --in_flight;
    auto it = endpoints.find(d.endpoint_id);
    if (it != endpoints.end() && it->second.in_flight > 0) --it->second.in_flight;
    if (auto app = app_in_flight.find(d.app_id); app != app_in_flight.end() && --app->second == 0)
      app_in_flight.erase(app);

    std::optional<std::chrono::seconds> retry_after;
    if ((r.status == 429 || r.status == 503) && r.retry_after)
      retry_after = ParseRetryAfter(*r.retry_after, clock.Now());
    auto policy = PolicyFor(d, options.failure_policy);
    auto retry = RetryFor(config);
    bool gave_up = false;
    auto update = Decide(d, {attempt, retry_after},
                         {clock.Now(), f.deadline, retry, policy, random,
                          [this] { return core::NewId("msg", clock); }},
                         &gave_up);
    if (gave_up) exhausted.fetch_add(1, std::memory_order_relaxed);
    if (update.disable_endpoint)
      spdlog::info("delivery: endpoint {} answered 410 Gone; disabled", d.endpoint_id);
    Record(d, std::move(attempt), std::move(update));
  }

  // The endpoint's own retry schedule when it has one, else the global policy.
  RetryPolicy RetryFor(const core::Endpoint& config) {
    if (!config.retry_schedule) return options.retry;
    RetryPolicy p = options.retry;
    p.schedule.clear();
    for (int s : *config.retry_schedule) p.schedule.emplace_back(s);
    return p;
  }

  // Stores the outcome; the delivery leaves the window once that is durable.
  void Record(const DueDelivery& d, std::optional<core::Attempt> attempt,
              core::DeliveryUpdate update) {
    update.node = node;
    store.RecordOutcome(std::move(attempt), std::move(update),
                        [this, key = KeyOf(d)](core::Status s) {
                          if (s)
                            record_log.Succeeded();
                          else if (s.error().code != core::ErrorCode::kLeaseLost)
                            record_log.Failed(s.error());
                          Event e{Event::kRecorded};
                          e.key = key;
                          Post(std::move(e));
                        });
  }
};

Engine::Engine(store::Store& store, const core::Clock& clock, core::Random& random,
               EngineOptions options)
    : impl_(std::make_unique<Impl>(store, clock, random, std::move(options))) {}

Engine::~Engine() { Stop(); }

void Engine::AttachToStore() {
  impl_->store.SetDueListener([this] { impl_->Post({Impl::Event::kWake}); });
}

core::Status Engine::Start() {
  auto guard = SsrfGuard::Create(impl_->options.allowed_networks);
  if (!guard) return std::unexpected(guard.error());
  impl_->guard.emplace(std::move(*guard));
  auto http_options = impl_->options.http;
  if (http_options.user_agent.empty()) http_options.user_agent = "hookd/" HOOKD_VERSION;
  impl_->http = std::make_unique<HttpClient>(http_options, &*impl_->guard);
  impl_->thread = std::thread([this] {
    core::SetUpThisThread("hookd-delivery");
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
  {
    std::lock_guard lock(impl_->mu);  // store callbacks may be posting (and waking it) now
    impl_->http.reset();              // abandons the attempts under way
  }
  // Every claim still held is given back, so any node may take the work at once.
  std::vector<core::DeliveryKey> held;
  for (const auto& key : impl_->known) held.push_back(KeyParts(key));
  if (held.empty()) return;
  auto released = store::Wait<void>([&](store::Done<void> done) {
    impl_->store.ReleaseClaims(impl_->node, std::move(held), std::move(done));
  });
  if (!released) spdlog::warn("delivery: giving back claims failed: {}", released.error().detail);
}

EngineStats Engine::Stats() const {
  EngineStats s;
  s.attempts_ok = impl_->attempts_ok.load();
  s.attempts_failed = impl_->attempts_failed.load();
  s.deliveries_exhausted = impl_->exhausted.load();
  s.scans = impl_->scans.load();
  s.in_flight = impl_->stat_in_flight.load();
  s.window = impl_->stat_window.load();
  s.live_nodes = impl_->stat_live_nodes.load();
  for (const auto& c : impl_->latency) s.latency_counts.push_back(c.load());
  s.latency_sum_seconds = impl_->latency_sum_us.load() / 1e6;
  return s;
}

}  // namespace hookd::delivery

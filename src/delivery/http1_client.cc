#include "delivery/http1_client.h"

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <deque>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/would_block.h"
#include "delivery/http1_request.h"
#include "delivery/http1_response.h"

namespace hookd::delivery {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr auto kMaxConnectTimeout = std::chrono::milliseconds(10000);
constexpr auto kDnsTtl = std::chrono::seconds(60);  // as libcurl's DNS cache
constexpr size_t kDnsEntries = 4096;
constexpr auto kMaxIdle = std::chrono::seconds(118);  // as libcurl's CURLOPT_MAXAGE_CONN
constexpr size_t kReadBuffer = 64 * 1024;

int64_t Millis(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

struct Http1Client::Impl {
  struct Exchange;
  struct Pool;

  // One TCP connection. Shared by the client (a pool's idle list or the exchange it serves) and
  // by the handlers pending on it; `open` is false once closed, and late handlers then return.
  struct Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    Pool* pool = nullptr;
    Exchange* exchange = nullptr;  // the request it serves, or null when idle
    bool open = true;
    bool idle = false;          // in pool->idle and Impl::idle_lru (at `lru`)
    bool waiting_read = false;  // an async_wait for reading is pending
    bool writing = false;       // the rest of a request is being written
    int served = 0;             // responses read to their end
    Clock::time_point idle_since{};
    std::list<std::shared_ptr<Connection>>::iterator lru;
    std::string pending;  // bytes read but not parsed yet (a head split over reads)
    // While connecting: the addresses to try, the next one, and what refused or failed so far.
    std::vector<tcp::endpoint> addresses;
    size_t next_address = 0;
    std::string ssrf_reason;
    error_code connect_error;
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  enum class Phase { kWaiting, kResolving, kConnecting, kExchanging, kDone };

  struct Exchange {
    Exchange(asio::io_context& io) : timer(io) {}
    uint64_t id = 0;
    HttpTarget target;
    HttpRequest request;
    HttpCallback done;
    HttpResult result;
    std::string head;
    Clock::time_point started{}, deadline = Clock::time_point::max(),
                                 connect_deadline = Clock::time_point::max();
    Phase phase = Phase::kWaiting;
    ConnectionPtr conn;  // while connecting or exchanging
    std::optional<ResponseParser> parser;
    asio::steady_timer timer;  // the earlier of the whole-transfer and the connect deadline
    size_t received = 0;       // response bytes read
    bool retried = false;      // started over once on a fresh connection already
  };

  struct Pool {
    std::string key;                  // its HttpTarget::pool_key
    size_t open = 0;                  // connections open or being opened
    std::vector<ConnectionPtr> idle;  // newest last
    std::deque<uint64_t> waiting;     // exchanges waiting for a connection, oldest first
    bool hungry = false;              // in Impl::hungry
  };

  struct DnsEntry {
    std::vector<tcp::endpoint> addresses;
    Clock::time_point expires{};
  };

  Impl(asio::io_context& io, Http1Options options)
      : io(io), options(std::move(options)), resolver(io), buffer(new char[kReadBuffer]) {}

  asio::io_context& io;
  Http1Options options;
  tcp::resolver resolver;
  std::unique_ptr<char[]> buffer;  // every read lands here first
  std::unordered_map<uint64_t, std::unique_ptr<Exchange>> exchanges;
  std::unordered_map<std::string, Pool> pools;  // by HttpTarget::pool_key
  // Pools whose waiting requests could use another connection if the total cap allowed it, in
  // turn: a connection the cap frees opens for the first, which then goes to the back.
  std::deque<Pool*> hungry;
  std::unordered_map<std::string, DnsEntry> dns;
  std::list<ConnectionPtr> idle_lru;  // every idle connection, the longest idle first
  size_t open_total = 0;
  int defer = 0;              // > 0: callbacks are posted instead of run (see Deferring)
  bool serve_posted = false;  // ServeWaiters() is queued
  bool shut = false;
  size_t sweep_pools_at = 64;

  // While alive, finished exchanges deliver their results from a posted handler: for code that
  // must not see a callback run inside it (Start(), loops over the pools).
  struct Deferring {
    explicit Deferring(Impl& impl) : impl(impl) { ++impl.defer; }
    ~Deferring() { --impl.defer; }
    Impl& impl;
  };

  Exchange* Find(uint64_t id) {
    auto it = exchanges.find(id);
    return it == exchanges.end() ? nullptr : it->second.get();
  }

  void Start(uint64_t id, HttpTarget target, HttpRequest request, HttpCallback done) {
    Deferring deferring(*this);
    if (pools.size() >= sweep_pools_at) SweepPools();
    auto owned = std::make_unique<Exchange>(io);
    Exchange* x = owned.get();
    exchanges.emplace(id, std::move(owned));
    x->id = id;
    x->target = std::move(target);
    x->request = std::move(request);
    x->done = std::move(done);
    x->started = Clock::now();
    // As with libcurl, a timeout of 0 (or less) means none.
    if (x->request.timeout.count() > 0) {
      x->deadline = x->started + x->request.timeout;
      ArmTimer(x, x->deadline);
    }
    std::string bad = WriteRequestHead(x->request, x->target, options.user_agent, x->head);
    if (!bad.empty()) return Fail(x, "network", std::move(bad));
    Place(x, false);
  }

  // Forgets pools with no connection and no one waiting (hosts no longer sent to).
  void SweepPools() {
    std::erase_if(pools, [](const auto& kv) {
      return kv.second.open == 0 && kv.second.waiting.empty() && !kv.second.hungry;
    });
    sweep_pools_at = std::max<size_t>(64, 2 * pools.size());
  }

  void ArmTimer(Exchange* x, Clock::time_point at) {
    x->timer.expires_at(at);
    x->timer.async_wait([this, id = x->id](error_code ec) {
      if (!ec) OnTimer(id);
    });
  }

  void OnTimer(uint64_t id) {
    Exchange* x = Find(id);
    if (!x || x->phase == Phase::kDone) return;
    auto now = Clock::now();
    if (now < x->timer.expiry()) return;  // re-armed after this expiry was queued
    if (now >= x->connect_deadline &&
        (x->phase == Phase::kResolving || x->phase == Phase::kConnecting)) {
      return Fail(x, "timeout",
                  "Connection timed out after " + std::to_string(Millis(now - x->started)) +
                      " milliseconds");
    }
    Fail(x, "timeout",
         "Operation timed out after " + std::to_string(Millis(now - x->started)) +
             " milliseconds with " + std::to_string(x->received) + " bytes received");
  }

  // Gives `x` a connection: an idle one (newest first), a new one, or a place in a queue.
  // `fresh`: never an idle one (starting over after a reused connection failed).
  void Place(Exchange* x, bool fresh) {
    Pool& pool = pools[x->target.pool_key];
    if (pool.key.empty()) pool.key = x->target.pool_key;
    if (!fresh && !pool.idle.empty()) {
      ConnectionPtr c = std::move(pool.idle.back());
      pool.idle.pop_back();
      c->idle = false;
      idle_lru.erase(c->lru);
      return Send(x, std::move(c));
    }
    if (AtHostCap(pool)) {
      x->phase = Phase::kWaiting;
      pool.waiting.push_back(x->id);
      return;
    }
    if (AtTotalCap()) {
      if (idle_lru.empty()) {
        x->phase = Phase::kWaiting;
        pool.waiting.push_back(x->id);
        return MakeHungry(pool);
      }
      CloseAnIdleConnection();
    }
    Open(x, pool);
  }

  bool AtHostCap(const Pool& pool) const {
    return options.max_host_connections > 0 &&
           pool.open >= static_cast<size_t>(options.max_host_connections);
  }
  bool AtTotalCap() const {
    return options.max_total_connections > 0 &&
           open_total >= static_cast<size_t>(options.max_total_connections);
  }

  void MakeHungry(Pool& pool) {
    if (pool.hungry) return;
    pool.hungry = true;
    hungry.push_back(&pool);
  }

  // The oldest exchange still waiting in `pool` (the others were canceled or timed out).
  Exchange* FirstWaiting(Pool& pool) {
    while (!pool.waiting.empty()) {
      Exchange* x = Find(pool.waiting.front());
      if (x && x->phase == Phase::kWaiting) return x;
      pool.waiting.pop_front();
    }
    return nullptr;
  }

  // Where in `hungry` the first pool other than `self` is (hungry.size(): none); drops the
  // pools found no longer hungry on the way.
  size_t FirstHungry(const Pool* self) {
    size_t i = 0;
    while (i < hungry.size()) {
      Pool* p = hungry[i];
      if (!FirstWaiting(*p) || AtHostCap(*p)) {
        p->hungry = false;
        hungry.erase(hungry.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (p == self) {
        ++i;
      } else {
        break;
      }
    }
    return i;
  }

  // Gives the oldest waiting request of the hungry pool at `i` a connection (room was made for
  // it); the pool goes to the back of the turn if more of its requests wait.
  void OpenFor(size_t i) {
    Deferring deferring(*this);
    Pool& p = *hungry[i];
    hungry.erase(hungry.begin() + static_cast<std::ptrdiff_t>(i));
    p.hungry = false;
    Exchange* x = FirstWaiting(p);
    p.waiting.pop_front();
    Place(x, false);
    if (!p.waiting.empty()) MakeHungry(p);
  }

  // Makes room under max_total_connections, as libcurl does: closes the connection idle longest.
  void CloseAnIdleConnection() { Close(ConnectionPtr(idle_lru.front())); }

  void Open(Exchange* x, Pool& pool) {
    ++pool.open;
    ++open_total;
    auto c = std::make_shared<Connection>(io);
    c->pool = &pool;
    c->exchange = x;
    x->conn = c;
    auto now = Clock::now();
    auto connect_timeout = x->request.timeout.count() > 0
                               ? std::min<Clock::duration>(x->request.timeout, kMaxConnectTimeout)
                               : Clock::duration(kMaxConnectTimeout);
    x->connect_deadline = std::min(now + connect_timeout, x->deadline);
    if (x->connect_deadline < x->deadline) ArmTimer(x, x->connect_deadline);
    if (x->target.numeric) {
      error_code ec;
      auto address = asio::ip::make_address(x->target.host, ec);
      c->addresses.emplace_back(address, x->target.port);
      return Connect(x, c);
    }
    auto it = dns.find(x->target.pool_key);
    if (it != dns.end() && it->second.expires > now) {
      c->addresses = it->second.addresses;
      return Connect(x, c);
    }
    x->phase = Phase::kResolving;
    resolver.async_resolve(
        x->target.host, std::to_string(x->target.port), tcp::resolver::numeric_service,
        [this, c, key = x->target.pool_key](error_code ec, tcp::resolver::results_type results) {
          if (shut) return;
          if (!ec) {
            if (dns.size() >= kDnsEntries) dns.clear();
            auto& entry = dns[key];
            entry.addresses.assign(results.begin(), results.end());
            entry.expires = Clock::now() + kDnsTtl;
          }
          if (!c->open) return;  // its exchange ended meanwhile
          Exchange* x = c->exchange;
          if (ec || results.empty()) {
            return Fail(x, "dns", "Could not resolve host: " + x->target.host);
          }
          c->addresses.assign(results.begin(), results.end());
          Connect(x, c);
        });
  }

  // Tries the connection's next address the SSRF guard lets through.
  void Connect(Exchange* x, const ConnectionPtr& c) {
    x->phase = Phase::kConnecting;
    while (c->next_address < c->addresses.size()) {
      const tcp::endpoint& to = c->addresses[c->next_address++];
      if (options.guard) {
        std::string reason = options.guard->Check(to.data());
        if (!reason.empty()) {
          if (c->ssrf_reason.empty()) c->ssrf_reason = std::move(reason);
          continue;
        }
      }
      error_code ec;
      if (c->socket.is_open()) c->socket.close(ec);
      c->socket.open(to.protocol(), ec);
      if (ec) {
        c->connect_error = ec;
        continue;
      }
      c->socket.async_connect(to, [this, c](error_code ec) { OnConnected(c, ec); });
      return;
    }
    if (!c->ssrf_reason.empty()) return Fail(x, "ssrf", c->ssrf_reason);
    Fail(x, "connect",
         "Failed to connect to " + x->target.host + " port " + std::to_string(x->target.port) +
             ": " + (c->connect_error ? c->connect_error.message() : "no address to connect to"));
  }

  void OnConnected(const ConnectionPtr& c, error_code ec) {
    if (!c->open) return;
    Exchange* x = c->exchange;
    if (ec) {
      c->connect_error = ec;
      return Connect(x, c);
    }
    c->socket.set_option(tcp::no_delay(true), ec);
    c->socket.set_option(asio::socket_base::keep_alive(true), ec);
    c->socket.non_blocking(true, ec);
    x->connect_deadline = Clock::time_point::max();
    c->addresses = {};  // not needed any more
    if (x->deadline == Clock::time_point::max())
      x->timer.cancel();
    else if (x->timer.expiry() != x->deadline)
      ArmTimer(x, x->deadline);
    Send(x, c);
  }

  // Writes the request: at once when the socket takes it, the rest asynchronously. The response
  // is read as it comes (even before the write ends).
  void Send(Exchange* x, ConnectionPtr c) {
    x->phase = Phase::kExchanging;
    x->conn = c;
    c->exchange = x;
    x->parser.emplace(x->result, options.max_response_bytes);
    std::array<asio::const_buffer, 2> parts{asio::buffer(x->head), asio::buffer(x->request.body)};
    if (x->request.method == "GET") parts[1] = asio::const_buffer();
    size_t total = parts[0].size() + parts[1].size();
    error_code ec;
    size_t n = core::WriteNow(c->socket, parts, ec);
    if (ec) {
      // Reported from a handler: Send runs inside Start(), which fires no callbacks.
      asio::post(io, [this, c, ec] { OnBroken(c, ec); });
      return;
    }
    if (n < total) {
      if (n < parts[0].size()) {
        parts[0] += n;
      } else {
        parts[1] += n - parts[0].size();
        parts[0] = asio::const_buffer();
      }
      c->writing = true;
      asio::async_write(c->socket, parts, [this, c](error_code ec, size_t) {
        c->writing = false;
        if (c->open && ec && c->exchange) OnBroken(c, ec);
      });
    }
    WaitToRead(c);
  }

  void WaitToRead(const ConnectionPtr& c) {
    if (c->waiting_read) return;
    c->waiting_read = true;
    c->socket.async_wait(tcp::socket::wait_read, [this, c](error_code ec) {
      c->waiting_read = false;
      if (!c->open) return;
      if (ec) return OnBroken(c, ec);
      OnReadable(c);
    });
  }

  void OnReadable(const ConnectionPtr& c) {
    while (true) {
      error_code ec;
      size_t n = c->socket.read_some(asio::buffer(buffer.get(), kReadBuffer), ec);
      if (core::WouldBlock(ec)) return WaitToRead(c);
      if (ec) return OnBroken(c, ec);
      // Bytes on an idle connection answer nothing that was asked: it cannot be trusted.
      if (!c->exchange) return Close(c);
      if (!Feed(c, std::string_view(buffer.get(), n))) return;
      if (n < kReadBuffer) return WaitToRead(c);
    }
  }

  // Parses what arrived for the connection's exchange. False when the exchange ended (and the
  // connection went back to its pool or was closed).
  bool Feed(const ConnectionPtr& c, std::string_view data) {
    Exchange* x = c->exchange;
    x->received += data.size();
    std::string_view in = data;
    if (!c->pending.empty()) {
      c->pending.append(data);
      in = c->pending;
    }
    size_t used = 0;
    boost::beast::error_code ec;
    while (used < in.size()) {
      size_t n = x->parser->put(asio::buffer(in.data() + used, in.size() - used), ec);
      used += n;
      if (ec == boost::beast::http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) break;
      if (x->parser->is_done()) {
        int status = x->parser->status();
        if (status >= 200 || status == 101) break;
        x->parser.emplace(x->result, options.max_response_bytes);  // 1xx: the answer follows
      } else if (n == 0) {
        break;
      }
    }
    if (ec) {
      if (x->parser->cut()) return Succeed(x, false), false;
      Fail(x, "network", "invalid HTTP response: " + ec.message());
      return false;
    }
    if (x->parser->is_done()) {
      bool reusable = x->parser->keep_alive() && used == in.size() && !c->writing;
      Succeed(x, reusable);
      return false;
    }
    if (c->pending.empty())
      c->pending.assign(in.substr(used));
    else
      c->pending.erase(0, used);
    return true;
  }

  // The connection failed (reset, end of stream, write error) or the peer closed it.
  void OnBroken(const ConnectionPtr& c, error_code ec) {
    if (!c->open) return;
    Exchange* x = c->exchange;
    if (!x) return Close(c);  // an idle connection the server closed
    if (x->received == 0 && c->served > 0 && !x->retried) {
      // A kept-alive connection the server had closed: once more on a new one, like libcurl.
      x->retried = true;
      x->conn = nullptr;
      c->exchange = nullptr;
      Close(c);
      x->parser.reset();
      x->result = HttpResult{};
      return Place(x, true);
    }
    if (ec == asio::error::eof && x->parser && x->parser->got_some()) {
      boost::beast::error_code pec;
      x->parser->put_eof(pec);  // a body that ends with the connection
      if (!pec && x->parser->is_done()) return Succeed(x, false);
    }
    if (x->received == 0 && ec == asio::error::eof)
      return Fail(x, "network", "Empty reply from server");
    if (ec == asio::error::eof)
      return Fail(x, "network", "Connection closed before the response was complete");
    Fail(x, "network", (c->writing ? "Send failure: " : "Recv failure: ") + ec.message());
  }

  void Succeed(Exchange* x, bool reusable) {
    x->result.status = x->parser->status();
    Finish(x, reusable);
  }

  void Fail(Exchange* x, std::string error, std::string detail) {
    x->result.status = 0;
    x->result.error = std::move(error);
    x->result.error_detail = std::move(detail);
    Finish(x, false);
  }

  // Ends `x`: its connection goes back to the pool (`reusable`) or is closed, then its callback
  // runs (now, or from a posted handler while Deferring).
  void Finish(Exchange* x, bool reusable) {
    x->phase = Phase::kDone;
    x->parser.reset();
    x->timer.cancel();
    if (ConnectionPtr c = std::move(x->conn)) {
      c->exchange = nullptr;
      if (reusable && c->open)
        Release(std::move(c));
      else
        Close(c);
    }
    x->result.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - x->started);
    if (defer > 0) {
      asio::post(io, [this, id = x->id] {
        if (Exchange* x = Find(id)) Deliver(x);
      });
      return;
    }
    Deliver(x);
  }

  void Deliver(Exchange* x) {
    auto node = exchanges.extract(x->id);
    HttpCallback done = std::move(x->done);
    HttpResult result = std::move(x->result);
    node = {};
    done(std::move(result));
  }

  // A connection whose response was read to its end: to the oldest exchange waiting for its
  // host, else to the pool's idle list. At the total cap it is closed instead, to open one for
  // another host's waiting requests, when its host has none waiting or holds at least two
  // connections more (or the other host none): hosts end up sharing the cap evenly and then
  // keep and reuse their connections.
  void Release(ConnectionPtr c) {
    ++c->served;
    c->pending.clear();
    Pool& pool = *c->pool;
    Exchange* mine = FirstWaiting(pool);
    size_t i = AtTotalCap() ? FirstHungry(&pool) : hungry.size();
    if (i < hungry.size()) {
      const Pool& other = *hungry[i];
      if (!mine || other.open == 0 || pool.open > other.open + 1) {
        Close(c);
        return OpenFor(i);
      }
    }
    if (mine) {
      pool.waiting.pop_front();
      return Send(mine, std::move(c));
    }
    auto now = Clock::now();
    if (!idle_lru.empty() && now - idle_lru.front()->idle_since > kMaxIdle)
      Close(ConnectionPtr(idle_lru.front()));
    c->idle = true;
    c->idle_since = now;
    c->lru = idle_lru.insert(idle_lru.end(), c);
    WaitToRead(c);  // learns when the server closes it
    pool.idle.push_back(std::move(c));
  }

  // Closes `c` (idempotent); a request waiting for a connection may then get one.
  void Close(ConnectionPtr c) {
    if (!c->open) return;
    c->open = false;
    error_code ec;
    c->socket.close(ec);
    Pool& pool = *c->pool;
    if (c->idle) {
      c->idle = false;
      idle_lru.erase(c->lru);
      auto it = std::find(pool.idle.begin(), pool.idle.end(), c);
      if (it != pool.idle.end()) pool.idle.erase(it);
    }
    --pool.open;
    --open_total;
    if (!pool.waiting.empty()) MakeHungry(pool);
    if (!hungry.empty()) PostServeWaiters();
  }

  void PostServeWaiters() {
    if (serve_posted || shut) return;
    serve_posted = true;
    asio::post(io, [this] {
      serve_posted = false;
      if (!shut) ServeWaiters();
    });
  }

  // Opens connections for hungry pools, one per pool in turn, while the total cap has room
  // (idle connections count as room: Place closes one).
  void ServeWaiters() {
    while ((!AtTotalCap() || !idle_lru.empty()) && FirstHungry(nullptr) < hungry.size()) OpenFor(0);
  }

  bool Cancel(uint64_t id) {
    Exchange* x = Find(id);
    if (!x) return false;
    x->result = HttpResult{};
    x->result.error = "canceled";
    x->result.error_detail = "the attempt was given up before it finished";
    if (x->phase == Phase::kDone) {  // its result was waiting to be delivered
      Deliver(x);
      return true;
    }
    Finish(x, false);
    return true;
  }

  void Shutdown() {
    shut = true;
    for (auto& [id, x] : exchanges) {
      x->timer.cancel();
      if (ConnectionPtr c = std::move(x->conn)) {
        c->exchange = nullptr;
        Close(c);
      }
    }
    exchanges.clear();
    for (auto& [key, pool] : pools)
      while (!pool.idle.empty()) Close(pool.idle.back());
    hungry.clear();
    pools.clear();
    resolver.cancel();
  }
};

Http1Client::Http1Client(boost::asio::io_context& io, Http1Options options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

Http1Client::~Http1Client() {
  if (!impl_->shut) impl_->Shutdown();
}

void Http1Client::Start(uint64_t id, HttpTarget target, HttpRequest request, HttpCallback done) {
  impl_->Start(id, std::move(target), std::move(request), std::move(done));
}

bool Http1Client::Cancel(uint64_t id) { return impl_->Cancel(id); }

size_t Http1Client::in_flight() const { return impl_->exchanges.size(); }

void Http1Client::Shutdown() { impl_->Shutdown(); }

}  // namespace hookd::delivery

// Fills a hookd store with a backlog of messages for the backlog scenario, fast: through the
// Store interface (so fan-out and indexes are exactly hookd's), without fsync (a throwaway
// benchmark store), many writes in flight.
//   bench_seed --db PATH --app APP_ID_OR_UID --count N
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

int main(int argc, char** argv) {
  std::string db, app_ref;
  long long count = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--db")) db = argv[i + 1];
    else if (!std::strcmp(argv[i], "--app")) app_ref = argv[i + 1];
    else if (!std::strcmp(argv[i], "--count")) count = std::atoll(argv[i + 1]);
  }
  auto& clock = hookd::core::SystemClock::Instance();
  auto store = hookd::store::sqlite::MakeSqliteStore(
      {.path = db, .max_batch = 4096, .linger_us = 0, .durable = false}, clock);
  if (auto s = store->Init(); !s) {
    std::fprintf(stderr, "cannot open %s: %s\n", db.c_str(), s.error().detail.c_str());
    return 1;
  }
  auto app = store->GetApp(app_ref);
  if (!app) {
    std::fprintf(stderr, "no app %s\n", app_ref.c_str());
    return 1;
  }
  std::mutex mu;
  std::condition_variable cv;
  long long in_flight = 0, done = 0, failed = 0;
  auto start = std::chrono::steady_clock::now();
  for (long long i = 0; i < count; ++i) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < 16384; });
      ++in_flight;
    }
    hookd::core::Message m;
    m.id = hookd::core::NewId("msg", clock);
    m.app_id = app->id;
    m.event_type = "message.delivered";
    m.payload = R"({"to":"+15550100","status":"delivered","seq":)" + std::to_string(i) + "}";
    m.created_at = clock.Now();
    store->CreateMessage(std::move(m), std::nullopt, {}, [&](hookd::core::Result<hookd::core::Message> r) {
      std::lock_guard lock(mu);
      --in_flight;
      ++done;
      if (!r) ++failed;
      cv.notify_all();
    });
    if (i % 100000 == 0 && i) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "\rseeded %lld/%lld (%.0f/s)", i, count, i / secs);
    }
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done == count; });
  lock.unlock();
  store->Close();
  std::fprintf(stderr, "\rseeded %lld messages (%lld failed)\n", count, failed);
  return failed ? 1 : 0;
}

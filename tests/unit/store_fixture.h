// The fixture of the store suites: every test runs against every Store implementation, each on
// fresh storage, with a fake clock.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/ops_events.h"
#include "store/postgres/conn.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace hookd::store {

using namespace std::chrono_literals;

struct Backend {
  std::string name;
  // Makes an uninitialised store on fresh storage at `dir` whose writer runs its maintenance at
  // most once per `maintenance` (0: after every batch).
  std::function<std::unique_ptr<Store>(const std::string& dir, const core::Clock&,
                                       std::chrono::seconds maintenance)>
      make;
  // When set: the test on `dir` is over (its stores are closed); the storage may be reused.
  std::function<void(const std::string& dir)> release;
};

// The PostgreSQL server of the store suites, in this order: HOOKD_TEST_POSTGRES_URL; the cluster
// in HOOKD_TEST_POSTGRES_DIR (ctest starts one there for all test processes); else a private
// cluster started on first use by scripts/pg-cluster.sh and removed at exit. HOOKD_TEST_POSTGRES=0
// leaves the postgres backend out (a quick local run). A test's storage is a schema of its own,
// named by search_path in the store's URL; released schemas are emptied and reused (migrating a
// new one costs ~100 ms).
class TestPostgres {
 public:
  static bool Wanted() {
    const char* on = std::getenv("HOOKD_TEST_POSTGRES");
    if (on && std::string(on) == "0") return false;
    if (std::getenv("HOOKD_TEST_POSTGRES_URL") || std::getenv("HOOKD_TEST_POSTGRES_DIR")) {
      return true;
    }
    std::error_code ec;
    for (const auto& v : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      if (std::filesystem::exists(v.path() / "bin/pg_ctl")) return true;
    }
    return false;
  }
  static TestPostgres& Get() {
    static TestPostgres pg;
    return pg;
  }

  // A URL of storage for `dir`, the same for every store opened on `dir` until Release(dir).
  // When there is no server: reports a failure and returns a URL that cannot connect.
  std::string UrlFor(const std::string& dir) {
    std::lock_guard lock(mu_);
    if (!admin_) {
      ADD_FAILURE() << "no PostgreSQL for the store tests (HOOKD_TEST_POSTGRES=0 skips them): "
                    << error_;
      return "postgres://hookd@127.0.0.1:1/none?connect_timeout=1";
    }
    auto [it, fresh] = in_use_.try_emplace(dir);
    if (fresh && !free_.empty()) {
      it->second = free_.back();
      free_.pop_back();
    } else if (fresh) {
      it->second = "t" + std::to_string(getpid()) + "_" + std::to_string(++created_);
      Exec("CREATE SCHEMA " + it->second);
    }
    return url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           it->second;
  }

  // Empties the schema of `dir` for the next test.
  void Release(const std::string& dir) {
    std::lock_guard lock(mu_);
    auto it = in_use_.find(dir);
    if (it == in_use_.end()) return;
    // Every table but the migrations' (deletes cascade along the foreign keys), down to what the
    // migrations create (the operations app).
    Exec(
        "DO $$DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '" +
        it->second + "' AND tablename <> 'schema_migrations' LOOP EXECUTE format('DELETE FROM " +
        it->second + ".%I', t) || CASE WHEN t = 'apps' THEN ' WHERE id <> ''" +
        std::string(core::kOperationsAppId) + "''' ELSE '' END; END LOOP; END$$");
    free_.push_back(it->second);
    in_use_.erase(it);
  }

 private:
  TestPostgres() {
    if (const char* url = std::getenv("HOOKD_TEST_POSTGRES_URL")) {
      url_ = url;
      external_ = true;
    } else if (const char* dir = std::getenv("HOOKD_TEST_POSTGRES_DIR")) {
      std::ifstream in(std::string(dir) + "/url");
      std::getline(in, url_);
      if (url_.empty()) error_ = std::string("no cluster URL in ") + dir + "/url";
    } else {
      own_dir_ =
          std::filesystem::temp_directory_path() / ("hookd-pg-" + core::NewId("t").substr(2));
      auto out = Run("bash " + Script() + " start " + own_dir_ + " 2>&1");
      if (out.starts_with("postgres://")) {
        url_ = out.substr(0, out.find('\n'));
      } else {
        error_ = out;
      }
    }
    if (url_.empty()) return;
    auto conn = postgres::Conn::Open(url_);
    if (conn) {
      admin_ = std::move(*conn);
    } else {
      error_ = conn.error().detail;
    }
  }
  ~TestPostgres() {
    if (external_ && admin_) {
      for (const auto& [dir, name] : in_use_) free_.push_back(name);
      for (const auto& name : free_) Exec("DROP SCHEMA " + name + " CASCADE");
    }
    admin_.reset();
    if (!own_dir_.empty()) {
      // No checkpoint: the cluster is thrown away.
      Run("bash " + Script() + " kill " + own_dir_ + " >/dev/null 2>&1; bash " + Script() +
          " stop " + own_dir_ + " >/dev/null 2>&1");
    }
  }
  void Exec(const std::string& sql) {
    if (auto s = admin_->ExecScript(sql); !s) ADD_FAILURE() << sql << ": " << s.error().detail;
  }
  static std::string Script() { return std::string(HOOKD_SOURCE_DIR) + "/scripts/pg-cluster.sh"; }
  // Runs a shell command; its standard output.
  static std::string Run(const std::string& cmd) {
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      pclose(p);
    }
    return out;
  }

  std::mutex mu_;
  std::string url_, error_, own_dir_;
  bool external_ = false;
  std::unique_ptr<postgres::Conn> admin_;
  std::map<std::string, std::string> in_use_;  // dir -> schema
  std::vector<std::string> free_;              // emptied schemas
  int created_ = 0;
};

inline std::vector<Backend> Backends() {
  std::vector<Backend> out{
      {"sqlite",
       [](const std::string& dir, const core::Clock& clock, std::chrono::seconds maintenance) {
         return sqlite::MakeSqliteStore(
             {.path = dir + "/hookd.db", .maintenance_interval = maintenance}, clock);
       }}};
  if (TestPostgres::Wanted()) {
    out.push_back(
        {"postgres",
         [](const std::string& dir, const core::Clock& clock, std::chrono::seconds maintenance) {
           return postgres::MakePostgresStore(
               {.url = TestPostgres::Get().UrlFor(dir), .maintenance_interval = maintenance},
               clock);
         },
         [](const std::string& dir) { TestPostgres::Get().Release(dir); }});
  }
  return out;
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hookd-store-" + core::NewId("t").substr(2));
    std::filesystem::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().release) GetParam().release(dir_.string());
    std::filesystem::remove_all(dir_);
  }
  void Reopen(std::chrono::seconds maintenance = 60s) {
    store_.reset();
    store_ = GetParam().make(dir_.string(), clock_, maintenance);
    store_->SetDueListener([] {});  // as hookd runs it: a claimant is listening
    ASSERT_TRUE(store_->Init());
  }
  // Another store object on the same database (as a second node would open it).
  std::unique_ptr<Store> OpenSecond() {
    auto second = GetParam().make(dir_.string(), clock_, 60s);
    second->SetDueListener([] {});
    EXPECT_TRUE(second->Init());
    return second;
  }

  core::App MakeApp(std::optional<std::string> uid = std::nullopt) {
    core::App a{core::NewId("app", clock_),
                uid,
                "App",
                std::nullopt,
                {{"k", "v"}},
                clock_.Now(),
                clock_.Now()};
    return a;
  }
  core::Result<core::App> Create(core::App app, Idempotency idem = std::nullopt) {
    return Wait<core::App>([&](Done<core::App> d) { store_->CreateApp(app, idem, d); });
  }
  core::Endpoint MakeEndpoint(const std::string& app_id, std::optional<std::string> uid = {}) {
    core::Endpoint e;
    e.id = core::NewId("ep", clock_);
    e.app_id = app_id;
    e.uid = uid;
    e.url = "https://example.com/hook";
    e.event_types = std::vector<std::string>{"a.b"};
    e.headers = {{"x-key", "1"}};
    e.secrets = {{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", std::nullopt}};
    e.created_at = e.updated_at = clock_.Now();
    return e;
  }
  core::Message MakeMessage(const std::string& app_id, std::string type = "a.b",
                            std::optional<std::string> event_id = {}) {
    return {core::NewId("msg", clock_),      app_id,       event_id,    type, R"({"x":1})",
            std::vector<std::string>{"ch1"}, std::nullopt, clock_.Now()};
  }
  core::Result<core::Message> Post(core::Message m, Idempotency idem = std::nullopt) {
    return Wait<core::Message>(
        [&](Done<core::Message> d) { store_->CreateMessage(m, idem, {}, d); });
  }

  // An attempt of `msg_id` at `endpoint_id` that got HTTP `code` (2xx: succeeded), made now.
  core::Attempt MakeAttempt(const std::string& app_id, const std::string& msg_id,
                            const std::string& endpoint_id, int code) {
    core::Attempt a;
    a.id = core::NewId("atmpt", clock_);
    a.app_id = app_id;
    a.msg_id = msg_id;
    a.endpoint_id = endpoint_id;
    a.url = "https://example.com/hook";
    a.response_status = code;
    a.status = code / 100 == 2 ? core::DeliveryStatus::kSuccess : core::DeliveryStatus::kFail;
    a.created_at = clock_.Now();
    return a;
  }
  // The stored operational events of `type` ({"type", "data"}), oldest first.
  std::vector<boost::json::object> Events(std::string_view type) {
    std::vector<boost::json::object> out;
    auto page = store_->ListMessages(core::kOperationsAppId, {.event_types = {std::string(type)}},
                                     {.limit = 250});
    EXPECT_TRUE(page);
    if (!page) return out;
    for (const auto& m : page->data) out.push_back(boost::json::parse(m.payload).as_object());
    std::reverse(out.begin(), out.end());
    return out;
  }

  core::FakeClock clock_{core::TimePoint(1'800'000'000s)};
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace hookd::store

// The fixture of the store suites: every test runs against every Store implementation, each on
// fresh storage, with a fake clock.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

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
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace hookd::store {

using namespace std::chrono_literals;

struct Backend {
  std::string name;
  // Makes an uninitialised store on fresh storage at `dir`.
  std::function<std::unique_ptr<Store>(const std::string& dir, const core::Clock&)> make;
};

// The PostgreSQL server of the store suites, in this order: HOOKD_TEST_POSTGRES_URL; the cluster
// in HOOKD_TEST_POSTGRES_DIR (ctest starts one there for all test processes); else a private
// cluster started on first use by scripts/pg-cluster.sh and removed at exit. HOOKD_TEST_POSTGRES=0
// leaves the postgres backend out (a quick local run). Each test's storage is a schema of its
// own, named by search_path in the store's URL.
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

  // A URL of fresh storage for `dir`, the same for every store opened on `dir`. When there is no
  // server: reports a failure and returns a URL that cannot connect.
  std::string UrlFor(const std::string& dir) {
    std::lock_guard lock(mu_);
    if (url_.empty()) {
      ADD_FAILURE() << "no PostgreSQL for the store tests (HOOKD_TEST_POSTGRES=0 skips them): "
                    << error_;
      return "postgres://hookd@127.0.0.1:1/none?connect_timeout=1";
    }
    auto [it, fresh] = schemas_.try_emplace(dir);
    if (fresh) {
      it->second = "t" + std::to_string(getpid()) + "_" + std::to_string(schemas_.size());
      auto out = Run("psql '" + url_ + "' -qAt -v ON_ERROR_STOP=1 -c 'CREATE SCHEMA " + it->second +
                     "' 2>&1 && echo ok");
      if (out.find("ok") == std::string::npos) ADD_FAILURE() << "CREATE SCHEMA failed: " << out;
    }
    return url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           it->second;
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
  }
  ~TestPostgres() {
    if (!own_dir_.empty()) {
      // No checkpoint: the cluster is thrown away.
      Run("bash " + Script() + " kill " + own_dir_ + " >/dev/null 2>&1; bash " + Script() +
          " stop " + own_dir_ + " >/dev/null 2>&1");
    } else if (external_ && !schemas_.empty()) {
      std::string names;
      for (const auto& [dir, name] : schemas_) names += (names.empty() ? "" : ", ") + name;
      Run("psql '" + url_ + "' -qAt -c 'DROP SCHEMA " + names + " CASCADE' >/dev/null 2>&1");
    }
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
  std::map<std::string, std::string> schemas_;  // dir -> schema
};

inline std::vector<Backend> Backends() {
  std::vector<Backend> out{{"sqlite", [](const std::string& dir, const core::Clock& clock) {
                              return sqlite::MakeSqliteStore({.path = dir + "/hookd.db"}, clock);
                            }}};
  if (TestPostgres::Wanted()) {
    out.push_back({"postgres", [](const std::string& dir, const core::Clock& clock) {
                     return postgres::MakePostgresStore({.url = TestPostgres::Get().UrlFor(dir)},
                                                        clock);
                   }});
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
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    store_ = GetParam().make(dir_.string(), clock_);
    ASSERT_TRUE(store_->Init());
  }
  // Another store object on the same database (as a second node would open it).
  std::unique_ptr<Store> OpenSecond() {
    auto second = GetParam().make(dir_.string(), clock_);
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

  core::FakeClock clock_{core::TimePoint(1'800'000'000s)};
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace hookd::store

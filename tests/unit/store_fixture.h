// The fixture of the store suites: every test runs against every Store implementation, each on
// fresh storage, with a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace hookd::store {

using namespace std::chrono_literals;

struct Backend {
  std::string name;
  // Makes an uninitialised store on fresh storage at `dir`.
  std::function<std::unique_ptr<Store>(const std::string& dir, const core::Clock&)> make;
};

inline std::vector<Backend> Backends() {
  return {{"sqlite", [](const std::string& dir, const core::Clock& clock) {
             return sqlite::MakeSqliteStore({.path = dir + "/hookd.db"}, clock);
           }}};
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

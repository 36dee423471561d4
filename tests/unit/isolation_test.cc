// Tenant isolation over every route the API serves (from the router itself, so a new route is
// covered the day it is added): app A's token calls each route with app B's resources in the
// path. Routes into B answer 403 or 404 (or refuse the body first); no answer names B's
// resources; B is unchanged afterwards. Real API service, real SQLite store.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <string>

#include "api/service.h"
#include "api_call.h"
#include "core/clock.h"
#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_wait.h"

namespace hookd::api {
namespace {

TEST(TenantIsolation, AnAppTokenReachesNothingOfAnotherAppOnAnyRoute) {
  auto dir = std::filesystem::temp_directory_path() / core::NewId("isolation");
  auto& clock = core::SystemClock::Instance();
  auto store = store::sqlite::MakeSqliteStore({.path = (dir / "hookd.db").string()}, clock);
  ASSERT_TRUE(store->Init());
  ApiOptions options;
  options.admin_token_hash = HashToken("admin");
  ApiService svc(*store, clock, options, nullptr);
  Api api(svc);

  // App B with one of everything; app A with a token of its own.
  auto a = api.Json(Method::kPost, "/api/v1/app", "admin", R"({"name":"A","uid":"app-a"})");
  auto b = api.Json(Method::kPost, "/api/v1/app", "admin", R"({"name":"B","uid":"app-b"})");
  std::string bid = Str(b, "id");
  api.Json(Method::kPost, "/api/v1/event-type", "admin", R"({"name":"t.b","description":"d"})");
  auto ep = api.Json(Method::kPost, "/api/v1/app/" + bid + "/endpoint", "admin",
                     R"({"url":"https://b.example/hook","uid":"ep-b"})");
  auto msg = api.Json(Method::kPost, "/api/v1/app/" + bid + "/msg", "admin",
                      R"({"eventType":"t.b","payload":{"secret":"b-data"},"eventId":"evt-b",
                          "batchId":"batch-b"})");
  auto src = api.Json(Method::kPost, "/ingest/api/v1/source", "admin",
                      R"({"name":"B source","type":"generic-webhook","uid":"src-b"})");
  core::Token token{core::NewId("tok"), HashToken("app-a-token"), Str(a, "id"), "A", clock.Now()};
  ASSERT_TRUE(store::Wait<core::Token>(
      [&](store::Done<core::Token> done) { store->CreateToken(token, std::move(done)); }));

  std::map<std::string, std::string> b_params = {{"{app}", bid},
                                                 {"{endpoint}", Str(ep, "id")},
                                                 {"{msg}", Str(msg, "id")},
                                                 {"{source}", Str(src, "id")},
                                                 {"{batch}", "batch-b"},
                                                 {"{attempt}", "atmpt_none"},
                                                 {"{task}", "qtask_none"},
                                                 {"{request}", "inrq_none"},
                                                 {"{alert}", "alert_none"}};
  // Event types are the environment's, shared by every app (read-only to app tokens).
  const std::map<std::string, std::string> shared_params = {{"{name}", "t.b"},
                                                            {"{event_type}", "t.b"}};
  const std::vector<std::string> b_names = {bid,      Str(ep, "id"), Str(msg, "id"), Str(src, "id"),
                                            "b-data", "app-b",       "ep-b",         "evt-b"};
  auto snapshot = [&] {
    std::string s;
    for (const std::string& path : std::vector<std::string>{
             "/api/v1/app/" + bid, "/api/v1/app/" + bid + "/endpoint",
             "/api/v1/app/" + bid + "/msg", "/api/v1/event-type",
             "/api/v1/app/" + bid + "/endpoint/ep-b/secret",
             "/api/v1/app/" + bid + "/endpoint/ep-b/headers", "/ingest/api/v1/source"}) {
      s += api.Call(Method::kGet, path, "admin").body;
    }
    return s;
  };
  auto before = snapshot();

  int into_b = 0;
  for (const auto& route : svc.router().List()) {
    if (route.access.kind == Access::Kind::kPublic) continue;  // authenticated by other means
    std::string path = route.pattern;
    bool names_b = false;
    for (const auto& [param, value] : b_params) {
      for (size_t at; (at = path.find(param)) != std::string::npos; names_b = true)
        path.replace(at, param.size(), value);
    }
    for (const auto& [param, value] : shared_params)
      if (auto at = path.find(param); at != std::string::npos)
        path.replace(at, param.size(), value);
    ASSERT_EQ(path.find('{'), std::string::npos) << "no value for a parameter of " << route.pattern;
    auto res = api.Call(route.method, path, "app-a-token", "{}");
    std::string what = route.pattern + " -> " + std::to_string(res.status) + " " + res.body;
    EXPECT_LT(res.status, 500) << what;
    if (names_b) {
      ++into_b;
      EXPECT_TRUE(res.status == 403 || res.status == 404 || res.status == 400 || res.status == 422)
          << what;
    }
    for (const auto& name : b_names) EXPECT_EQ(res.body.find(name), std::string::npos) << what;
  }
  EXPECT_GT(into_b, 40);
  EXPECT_EQ(snapshot(), before);
  store->Close();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hookd::api

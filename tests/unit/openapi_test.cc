// The OpenAPI document against the router it describes: every route documented and every doc a
// route, every $ref resolving, operation ids unique, access and parameters from the route table.
#include "api/openapi.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "api/service.h"
#include "api_call.h"
#include "core/clock.h"
#include "core/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace hookd::api {
namespace {

namespace json = boost::json;

class OpenApi : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::sqlite::MakeSqliteStore({.path = (dir_ / "hookd.db").string()}, clock_);
    ASSERT_TRUE(store_->Init());
    svc_ = std::make_unique<ApiService>(*store_, clock_, ApiOptions{}, nullptr);
    routes_ = svc_->router().List();
    doc_ = BuildOpenApi(routes_);
  }
  void TearDown() override {
    svc_.reset();
    store_->Close();
    std::filesystem::remove_all(dir_);
  }
  const json::object& Op(std::string_view path, std::string_view method) {
    return doc_.at("paths").at(path).at(method).as_object();
  }

  std::filesystem::path dir_ = std::filesystem::temp_directory_path() / core::NewId("openapi");
  const core::Clock& clock_ = core::SystemClock::Instance();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiService> svc_;
  std::vector<Router::RouteInfo> routes_;
  json::object doc_;
};

TEST_F(OpenApi, EveryRouteHasADocAndEveryDocARoute) {
  std::set<std::string> routed, documented;
  for (const auto& r : routes_) routed.insert(RouteKey(r.method, r.pattern));
  for (const auto& d : RouteDocs()) EXPECT_TRUE(documented.insert(d.key).second) << d.key;
  for (const auto& key : routed) EXPECT_TRUE(documented.contains(key)) << "undocumented: " << key;
  for (const auto& key : documented) EXPECT_TRUE(routed.contains(key)) << "no such route: " << key;
  EXPECT_EQ(routed.size(), routes_.size());
}

void CollectRefs(const json::value& v, std::vector<std::string>& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& [k, child] : *o) {
      if (k == "$ref" && child.is_string()) out.emplace_back(child.as_string());
      CollectRefs(child, out);
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& child : *a) CollectRefs(child, out);
  }
}

TEST_F(OpenApi, EveryRefResolves) {
  std::vector<std::string> refs;
  CollectRefs(doc_, refs);
  EXPECT_GT(refs.size(), 100u);
  json::value doc = doc_;
  for (const auto& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/")) << ref;
    boost::system::error_code ec;
    EXPECT_NE(doc.find_pointer(ref.substr(1), ec), nullptr) << ref;
  }
}

TEST_F(OpenApi, OperationIdsAreUniqueAndEveryOperationIsTagged) {
  std::set<std::string> ids, tags;
  for (const auto& t : doc_.at("tags").as_array())
    tags.insert(std::string(t.at("name").as_string()));
  size_t operations = 0;
  for (const auto& [path, item] : doc_.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      ++operations;
      std::string id(op.at("operationId").as_string());
      EXPECT_TRUE(ids.insert(id).second) << "duplicate operationId " << id;
      EXPECT_TRUE(tags.contains(std::string(op.at("tags").at(0).as_string()))) << id;
    }
  }
  EXPECT_EQ(operations, routes_.size());
  EXPECT_FALSE(tags.contains("Undocumented"));
}

TEST_F(OpenApi, AccessAndPathParametersComeFromTheRouteTable) {
  const auto& get_secret = Op("/api/v1/app/{app}/endpoint/{endpoint}/secret", "get");
  EXPECT_EQ(get_secret.at("x-hookd-access"), "ViewEndpointSecret");
  EXPECT_EQ(get_secret.at("security").as_array().size(), 1u);
  const auto& params = get_secret.at("parameters").as_array();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].at("name"), "app");
  EXPECT_EQ(params[1].at("name"), "endpoint");
  EXPECT_EQ(params[1].at("in"), "path");
  EXPECT_EQ(Op("/api/v1/app", "get").at("x-hookd-access"), "admin");
  const auto& spec = Op("/api/v1/openapi.json", "get");
  EXPECT_EQ(spec.at("x-hookd-access"), "public");
  EXPECT_TRUE(spec.at("security").as_array().empty());
  EXPECT_TRUE(Op("/api/v1/app/{app}/msg", "post").at("responses").as_object().contains("202"));
  const auto& upsert = Op("/api/v1/app/{app}", "put").at("responses").as_object();
  EXPECT_TRUE(upsert.contains("200") && upsert.contains("201"));
}

TEST_F(OpenApi, AnUndocumentedRouteStillGetsAnOperation) {
  auto doc = BuildOpenApi({{Method::kGet, "/api/v1/nowhere/{thing}", kAdmin}});
  const auto& op = doc.at("paths").at("/api/v1/nowhere/{thing}").at("get");
  EXPECT_EQ(op.at("operationId"), "GET /api/v1/nowhere/{thing}");
  EXPECT_EQ(op.at("parameters").at(0).at("name"), "thing");
}

TEST_F(OpenApi, ServedWithoutATokenAsTheRouterDescribesIt) {
  Api api(*svc_);
  auto res = api.Call(Method::kGet, "/api/v1/openapi.json", "");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(json::parse(res.body), json::value(doc_));
  EXPECT_EQ(doc_.at("openapi"), "3.1.0");

  auto page = api.Call(Method::kGet, "/docs", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(page.content_type.starts_with("text/html"));
  EXPECT_EQ(page.body, RenderDocsPage(doc_));
  for (const auto* id : {"v1.application.list", "v1.endpoint.create", "v1.message.create"})
    EXPECT_NE(page.body.find(id), std::string::npos) << id;
  // Offline: no script, nothing loaded from another origin.
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace hookd::api

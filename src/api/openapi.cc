#include "api/openapi.h"

#include <map>
#include <memory>
#include <set>

#include "core/capability.h"

namespace hookd::api {
namespace json = boost::json;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "public", "admin" or the capability's name.
std::string AccessName(Access a) {
  if (a.kind == Access::Kind::kPublic) return "public";
  if (a.kind == Access::Kind::kAdmin) return "admin";
  return std::string(core::CapabilityName(a.capability));
}

json::object Ref(std::string_view kind, std::string_view name) {
  return {{"$ref", "#/components/" + std::string(kind) + "/" + std::string(name)}};
}

// The content of a body: `spec` is a schema name, "X[]" (a ListResponse page of X) or a media
// type (a body of any text).
json::object Content(const std::string& spec) {
  json::value schema;
  std::string media = "application/json";
  if (spec.find('/') != std::string::npos) {
    media = spec;
    schema = {{"type", "string"}};
  } else if (spec.ends_with("[]")) {
    json::object data{{"type", "array"},
                      {"items", Ref("schemas", spec.substr(0, spec.size() - 2))}};
    json::object page{{"properties", {{"data", std::move(data)}}}};
    schema = {{"allOf", {Ref("schemas", "ListResponse"), page}}};
  } else {
    schema = Ref("schemas", spec);
  }
  return {{media, {{"schema", std::move(schema)}}}};
}

json::object PathParameter(const std::string& name) {
  static const std::map<std::string, std::string_view> kWhat = {
      {"app", "The application's id or uid."},
      {"endpoint", "The endpoint's id or uid."},
      {"msg", "The message's id or eventId."},
      {"attempt", "The attempt's id."},
      {"name", "The event type's name."},
      {"task", "The background task's id."},
      {"batch", "The batch's id."},
      {"source", "The source's id or uid."},
      {"request", "The received request's id."},
      {"token", "The source's ingest URL token."}};
  auto what = kWhat.find(name);
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"description", what == kWhat.end() ? "" : what->second},
          {"schema", {{"type", "string"}}}};
}

json::object Operation(const Router::RouteInfo& route, const RouteDoc& doc) {
  json::object op{{"operationId", doc.operation_id}, {"summary", doc.summary}};
  op["tags"] = json::array{doc.tag};
  op["x-hookd-access"] = AccessName(route.access);
  bool authenticated = route.access.kind != Access::Kind::kPublic;
  op["security"] = authenticated ? json::array{{{"bearer", json::array()}}} : json::array();

  json::array params;
  for (const auto& seg : SplitPath(route.pattern))
    if (seg.size() > 2 && seg.front() == '{')
      params.push_back(PathParameter(seg.substr(1, seg.size() - 2)));
  bool has_path_params = !params.empty();
  for (const auto& q : doc.query) params.push_back(Ref("parameters", q));
  if (authenticated && route.method == Method::kPost)
    params.push_back(Ref("parameters", "idempotency-key"));
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!doc.request.empty())
    op["requestBody"] = {{"required", true}, {"content", Content(doc.request)}};

  json::object responses;
  auto status = std::to_string(doc.status);
  json::object success{{"description", doc.response.empty() ? "Done, no body." : "Done."}};
  if (!doc.response.empty()) success["content"] = Content(doc.response);
  // An upsert (Svix's name for a PUT that creates what is missing) answers 201 when it creates.
  if (doc.operation_id.ends_with(".upsert")) {
    json::object created = success;
    created["description"] = "Created.";
    responses["201"] = std::move(created);
  }
  responses[status] = std::move(success);
  if (authenticated) {
    responses["401"] = Ref("responses", "Unauthorized");
    responses["403"] = Ref("responses", "Forbidden");
  }
  if (has_path_params) responses["404"] = Ref("responses", "NotFound");
  if (!doc.request.empty() || !doc.query.empty())
    responses["422"] = Ref("responses", "ValidationError");
  op["responses"] = std::move(responses);
  return op;
}

}  // namespace

std::string RouteKey(Method method, std::string_view pattern) {
  return std::string(MethodName(method)) + " " + std::string(pattern);
}

json::object BuildOpenApi(const std::vector<Router::RouteInfo>& routes) {
  std::map<std::string, const RouteDoc*> docs;
  for (const auto& d : RouteDocs()) docs[d.key] = &d;
  json::object paths;
  json::array tags;
  std::set<std::string> tagged;
  for (const auto& route : routes) {
    auto key = RouteKey(route.method, route.pattern);
    auto it = docs.find(key);
    // An undocumented route (the unit tests forbid them) still appears, under its key.
    RouteDoc fallback{.key = key, .operation_id = key, .tag = "Undocumented", .summary = key};
    const RouteDoc& doc = it == docs.end() ? fallback : *it->second;
    if (tagged.insert(doc.tag).second) tags.push_back(json::object{{"name", doc.tag}});
    auto& item = paths[route.pattern];
    if (!item.is_object()) item = json::object();
    item.as_object()[Lower(MethodName(route.method))] = Operation(route, doc);
  }
  json::object doc{{"openapi", "3.1.0"}};
  doc["info"] = {
      {"title", "hookd API"},
      {"version", HOOKD_VERSION},
      {"description",
       "hookd, a self-hosted webhook delivery server: the Svix v1 API and hookd's own routes and "
       "fields. Authenticate with `Authorization: Bearer <token>` (an admin token, or an app "
       "token holding the capability an operation's `x-hookd-access` names)."}};
  doc["tags"] = std::move(tags);
  doc["paths"] = std::move(paths);
  doc["components"] = OpenApiComponents();
  return doc;
}

void RegisterOpenApi(Router& r) {
  // Both are filled below, once every route (these two included) is in the table.
  auto document = std::make_shared<std::string>();
  auto page = std::make_shared<std::string>();
  r.Add(Method::kGet, "/api/v1/openapi.json", kPublic, [document](Request&, Reply reply) {
    reply(Response{200, *document});
  });
  r.Add(Method::kGet, "/docs", kPublic, [page](Request&, Reply reply) {
    reply(Response{200, *page, "text/html; charset=utf-8"});
  });
  auto doc = BuildOpenApi(r.List());
  *document = json::serialize(doc);
  *page = RenderDocsPage(doc);
}

}  // namespace hookd::api

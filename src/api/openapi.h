// The OpenAPI 3.1 document of the routes the router dispatches on (GET /api/v1/openapi.json) and
// the reference page rendered from it (GET /docs). Paths, methods, path parameters and access come
// from the route table; what it cannot say (operation ids, summaries, schemas) from RouteDocs(),
// keyed by RouteKey(). The unit tests hold both sides equal.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/router.h"

namespace hookd::api {

// The documentation of one route.
struct RouteDoc {
  std::string key;           // RouteKey(), e.g. "GET /api/v1/app/{app}"
  std::string operation_id;  // Svix's where Svix has the route, e.g. v1.application.list
  std::string tag;
  std::string summary;
  // Bodies: a component schema (JSON), "X[]" (a ListResponse page of X), a media type (text of
  // that type) or empty (no body).
  std::string request;
  int status = 200;  // success status
  std::string response;
  std::vector<std::string> query;  // names in components.parameters
};

// "METHOD pattern", e.g. "GET /api/v1/app/{app}".
std::string RouteKey(Method method, std::string_view pattern);
// Every documented route (openapi_routes.cc).
const std::vector<RouteDoc>& RouteDocs();
// components: schemas, parameters, responses, securitySchemes (openapi_schemas.cc).
const boost::json::object& OpenApiComponents();
// The document of `routes`. A route without a doc entry still gets an operation.
boost::json::object BuildOpenApi(const std::vector<Router::RouteInfo>& routes);
// The /docs page: `doc` as one self-contained HTML page (openapi_docs_page.cc).
std::string RenderDocsPage(const boost::json::object& doc);

// Adds GET /api/v1/openapi.json and GET /docs (public). Call after every other route: the
// document describes the routes registered so far, these two included.
void RegisterOpenApi(Router& r);

}  // namespace hookd::api

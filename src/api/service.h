// The HTTP API: routes, authentication, health and metrics, wired to a Store.
#pragma once

#include <memory>

#include "api/context.h"
#include "api/http.h"
#include "api/router.h"
#include "api/server.h"
#include "api/ttl_cache.h"

namespace hookd::api {

class ApiService {
 public:
  // `engine` may be null (delivery off), `tasks` too; they must outlive the service.
  ApiService(store::Store& store, const core::Clock& clock, ApiOptions options,
             delivery::Engine* engine, ops::TaskRunner* tasks = nullptr);
  // Handles one request; `reply` is called exactly once, possibly on another thread.
  void Handle(Request req, Reply reply);
  // Looks at a request's head before its body is read and answers at once (so the body is never
  // read) a request for no route, without a valid token, or refused by its public route's check.
  // Null: read the body and Handle() it.
  std::optional<Response> Screen(Request& head);
  const Router& router() const { return router_; }
  // /metrics then reports the server's connections too.
  void AttachServer(const HttpServer& server) { server_ = &server; }

 private:
  // Establishes req.principal from its bearer token (401 when missing, unknown or expired).
  core::Status Authenticate(Request& req);
  // Authenticates unless done already, then 403 unless `access` allows the principal.
  core::Status Authorize(Request& req, Access access);

  Metrics metrics_;
  ApiContext ctx_;
  Router router_;
  const HttpServer* server_ = nullptr;
};

// SHA-256 hex of a token, the form tokens are stored and compared in.
std::string HashToken(std::string_view token);
// A new API token: "hk_" and 48 random hex digits.
std::string NewApiToken();
// The principal id of the admin token given in the configuration (it is not stored).
inline constexpr std::string_view kConfiguredAdminId = "admin";

}  // namespace hookd::api

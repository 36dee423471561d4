// The HTTP API: routes, authentication, health and metrics, wired to a Store.
#pragma once

#include <memory>

#include "api/context.h"
#include "api/http.h"
#include "api/router.h"
#include "api/ttl_cache.h"

namespace hookd::api {

class ApiService {
 public:
  // `engine` may be null (delivery off), `tasks` too; they must outlive the service.
  ApiService(store::Store& store, const core::Clock& clock, ApiOptions options,
             delivery::Engine* engine, ops::TaskRunner* tasks = nullptr);
  // Handles one request; `reply` is called exactly once, possibly on another thread.
  void Handle(Request req, Reply reply);
  // Looks at a request's head before its body is read: a routed request without a valid token
  // is answered (401) at once, so its body is never read. Null: read it and Handle() it.
  std::optional<Response> Screen(Request& head);

 private:
  core::Status Authenticate(Request& req);

  Metrics metrics_;
  ApiContext ctx_;
  Router router_;
};

// SHA-256 hex of a token, the form tokens are stored and compared in.
std::string HashToken(std::string_view token);

}  // namespace hookd::api

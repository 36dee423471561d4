// Helpers shared by the resource handlers.
#pragma once

#include <boost/json.hpp>
#include <functional>

#include "api/context.h"
#include "api/errors.h"
#include "api/http.h"
#include "api/router.h"

namespace hookd::api {

// Adapts a free handler function taking the context to a router Handler.
using ContextHandler = void (*)(ApiContext&, Request&, Reply);
inline Handler Bind(ApiContext& ctx, ContextHandler fn) {
  return [&ctx, fn](Request& req, Reply reply) { fn(ctx, req, std::move(reply)); };
}

Response JsonResponse(int status, const boost::json::value& body);
Response NoContent();

// Operational webhook endpoints: the operations app's endpoints, for admin tokens.
inline constexpr std::string_view kOperationalEndpointPath = "/api/v1/operational-webhook/endpoint";

// The app named by path parameter `index` (id or uid), if the caller may see it; else 404. The
// operations app is reached through its own routes, and read (GET) by admin tokens.
core::Result<core::App> ResolveApp(ApiContext& ctx, const Request& req, size_t index = 0);
// The app's endpoint `ref` (id or uid). Per-message callbacks are not endpoints here: 404.
core::Result<core::Endpoint> FindEndpoint(ApiContext& ctx, const std::string& app_id,
                                          std::string_view ref);

// The server's public base URL (the public_url setting, else http://<the request's Host>), no
// trailing slash.
std::string PublicBase(const ApiContext& ctx, const Request& req);

// limit (1..250, default 50), iterator, order=ascending|descending. The list's keys are ids of
// `key_prefix` (an iterator must be one, else 422), or names (empty prefix: [A-Za-z0-9-_.]).
core::Result<store::PageRequest> ReadPage(const Request& req, bool default_descending,
                                          std::string_view key_prefix);
// The most payload and body bytes one list page carries (fewer rows, with an iterator, beyond).
constexpr size_t kPageBytes = 4 << 20;

template <class T, class ToJson>
boost::json::object PageJson(const store::Page<T>& page, ToJson to_json) {
  boost::json::array data;
  for (const auto& item : page.data) data.push_back(to_json(item));
  boost::json::object out;
  out["data"] = std::move(data);
  out["iterator"] = page.iterator ? boost::json::value(*page.iterator) : nullptr;
  out["prevIterator"] = page.prev_iterator ? boost::json::value(*page.prev_iterator) : nullptr;
  out["done"] = page.done;
  return out;
}

// A 422 naming query parameter `name`.
std::unexpected<core::Error> QueryError(std::string_view name, std::string msg);
// Parses an optional integer query parameter in [min, max]; 422 otherwise.
core::Result<std::optional<int>> QueryInt(const Request& req, std::string_view name, int min,
                                          int max);
// Parses an optional RFC 3339 query parameter; 422 when malformed.
core::Result<std::optional<core::TimePoint>> QueryTime(const Request& req, std::string_view name);

// Parses an optional boolean query flag ("true"/"false"); 422 on other values.
core::Result<bool> QueryFlag(const Request& req, std::string_view name, bool fallback);

// Runs a state-changing POST with idempotency-key support: `write(idem, done)` submits the store
// write with the key's record alongside it, and the client gets `response` once the write is
// durable. If the key was already answered, the store refuses the write and the client gets
// that first answer instead (409 if it was for a different request). The check rides on the
// write itself, so first requests pay no extra read.
template <class T>
using IdemWrite = std::function<void(store::Idempotency, store::Done<T>)>;

void ReplyAfterWrite(
    ApiContext& ctx, const Request& req, Reply reply, Response response,
    std::function<void(store::Idempotency, std::function<void(core::Status)>)> write);

template <class T>
void IdempotentWrite(ApiContext& ctx, const Request& req, Reply reply, Response response,
                     IdemWrite<T> write) {
  ReplyAfterWrite(
      ctx, req, std::move(reply), std::move(response),
      [write = std::move(write)](store::Idempotency idem, std::function<void(core::Status)> done) {
        write(std::move(idem), [done = std::move(done)](core::Result<T> r) {
          if (r)
            done({});
          else
            done(std::unexpected(r.error()));
        });
      });
}

// If `req` carries an idempotency key already answered, replies with that answer and returns
// true.
bool ReplayIdempotent(ApiContext& ctx, const Request& req, Reply& reply);

// Calls `reply` with `ok_response` or the error.
template <class T>
store::Done<T> ReplyWith(Reply reply, std::function<Response(const T&)> ok_response) {
  return [reply = std::move(reply), ok_response = std::move(ok_response)](core::Result<T> r) {
    reply(r ? ok_response(*r) : ErrorResponse(r.error()));
  };
}

inline store::Done<void> ReplyNoContent(Reply reply) {
  return [reply = std::move(reply)](core::Status r) {
    reply(r ? NoContent() : ErrorResponse(r.error()));
  };
}

}  // namespace hookd::api

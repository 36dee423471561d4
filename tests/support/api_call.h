// Calls an ApiService in process, as the HTTP server would, and waits for the answer.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <string>

#include "api/service.h"

namespace hookd::api {

class Api {
 public:
  explicit Api(ApiService& svc) : svc_(svc) {}
  Response Call(Method method, const std::string& path, const std::string& token,
                const std::string& body = "") {
    Request req;
    req.method = method;
    req.path = path;
    req.headers = {{"authorization", "Bearer " + token}, {"content-type", "application/json"}};
    req.body = body;
    std::promise<Response> done;
    auto answer = done.get_future();
    svc_.Handle(std::move(req), [&done](Response res) { done.set_value(std::move(res)); });
    return answer.get();
  }
  // The JSON of a call expected to succeed.
  boost::json::value Json(Method method, const std::string& path, const std::string& token,
                          const std::string& body = "") {
    auto res = Call(method, path, token, body);
    EXPECT_LT(res.status, 300) << path << ": " << res.body;
    return boost::json::parse(res.body.empty() ? "{}" : res.body);
  }

 private:
  ApiService& svc_;
};

inline std::string Str(const boost::json::value& v, const char* key) {
  return std::string(v.as_object().at(key).as_string());
}

}  // namespace hookd::api

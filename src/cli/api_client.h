// The client commands' view of a running hookd: its base URL and token (flags or HOOKD_URL /
// HOOKD_TOKEN) and JSON calls to its API.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <string>
#include <string_view>

namespace hookd::cli {

struct ApiTarget {
  std::string url = "http://127.0.0.1:8071";
  std::string token;
};

// Adds --url and --token (env HOOKD_URL, HOOKD_TOKEN) to `cmd`, filling `target`.
void AddApiFlags(CLI::App* cmd, ApiTarget& target);

class ApiClient {
 public:
  explicit ApiClient(ApiTarget target);

  // The JSON answer of a 2xx (null for an empty one). Otherwise a message fit to print: the
  // HTTP status with the API's `code` and `detail` (validation details as "loc: msg"), or why no
  // answer came, naming the URL tried.
  std::expected<boost::json::value, std::string> Call(std::string_view method,
                                                      std::string_view path,
                                                      const boost::json::value* body = nullptr);

 private:
  ApiTarget target_;
};

// Reading answers: the value at `path` (nested keys) in `v`, if any; as text (a string's value,
// other values' JSON, "" for none or null); as an integer (0 for none or not an integer).
const boost::json::value* Find(const boost::json::value& v,
                               std::initializer_list<std::string_view> path);
std::string Text(const boost::json::value& v, std::initializer_list<std::string_view> path);
int64_t Int(const boost::json::value& v, std::initializer_list<std::string_view> path);

// `s` percent-encoded for use as one path segment.
std::string Segment(std::string_view s);

// The message of an API error answer (`status` and body) as Call reports it.
std::string DescribeApiError(int status, std::string_view body);

}  // namespace hookd::cli

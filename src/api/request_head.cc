#include "api/request_head.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>

#include "core/text.h"

namespace hookd::api {
namespace {

namespace http = boost::beast::http;

Method ToMethod(http::verb v) {
  switch (v) {
    case http::verb::get:
      return Method::kGet;
    case http::verb::post:
      return Method::kPost;
    case http::verb::put:
      return Method::kPut;
    case http::verb::patch:
      return Method::kPatch;
    case http::verb::delete_:
      return Method::kDelete;
    default:
      return Method::kOther;
  }
}

// A path of RFC 3986 path characters only (no query, no percent-encoding): its own decoded path.
bool IsPlainPath(std::string_view target) {
  static constexpr auto kPathChars = boost::urls::pchars + '/';
  return target.starts_with('/') && std::ranges::all_of(target, kPathChars);
}

// False when the target is not a valid origin-form request target. Brackets, which clients
// send unencoded in queries (event_types[]=a), are read as if percent-encoded.
bool ParseTarget(std::string_view target, Request& req) {
  if (IsPlainPath(target)) {  // the common case, without the URL parser
    req.path = target;
    return true;
  }
  std::string escaped;
  if (target.find_first_of("[]") != std::string_view::npos) {
    for (char c : target) escaped += c == '[' ? "%5B" : c == ']' ? "%5D" : std::string(1, c);
    target = escaped;
  }
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  req.path = url->path();
  req.raw_query = url->encoded_query();
  for (auto param : url->params()) req.query.emplace(param.key, param.value);
  return true;
}

std::string LowerTrimmed(std::string_view s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  return core::AsciiLower(std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1)));
}

bool TransferEncodingAccepted(const Request& head, unsigned version) {
  int fields = 0;
  bool chunked = false;
  for (const auto& [name, value] : head.headers) {
    if (name != "transfer-encoding") continue;
    ++fields;
    chunked = LowerTrimmed(value) == "chunked";
  }
  return fields == 0 || (fields == 1 && chunked && version >= 11);
}

}  // namespace

void LimitParser(RequestParser& parser, size_t max_body_bytes) {
  parser.body_limit(max_body_bytes);
  parser.header_limit(kHeaderLimit);
}

std::expected<Head, HeadRefusal> ParseHead(const RequestParser::value_type& msg) {
  Head head{Request{}, false};
  Request& req = head.request;
  req.method = ToMethod(msg.method());
  for (const auto& field : msg)
    req.headers.emplace_back(core::AsciiLower(std::string(field.name_string())),
                             std::string(field.value()));
  if (!ParseTarget(msg.target(), req))
    return std::unexpected(HeadRefusal{400, "bad_request", "malformed request target"});
  if (!TransferEncodingAccepted(req, msg.version()))
    return std::unexpected(
        HeadRefusal{400, "bad_request", "Transfer-Encoding must be chunked, alone"});
  if (auto expect = req.Header("expect")) {
    if (LowerTrimmed(*expect) != "100-continue") {
      return std::unexpected(HeadRefusal{417, "expectation_failed",
                                         "the only expectation understood is 100-continue"});
    }
    head.expects_continue = msg.version() >= 11;
  }
  return head;
}

}  // namespace hookd::api

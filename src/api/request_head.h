// The HTTP server's request parsing, apart from its sockets (so it can be fuzzed alone): the
// parser's limits and how a parsed head becomes a Request or is refused.
#pragma once

#include <boost/beast/http.hpp>
#include <expected>
#include <string>

#include "api/http.h"

namespace hookd::api {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

inline constexpr size_t kHeaderLimit = 64 * 1024;
// The read buffer holds a whole head, or one chunk-size line or trailer: a longer line
// overflows it (400), so no framing line grows without bound.
inline constexpr size_t kReadBufferLimit = kHeaderLimit + 16 * 1024;

// A fresh parser with hookd's limits.
void LimitParser(RequestParser& parser, size_t max_body_bytes);

struct HeadRefusal {
  int status;
  std::string code;
  std::string detail;
};

struct Head {
  Request request;        // method, path, query and lower-case headers; no body yet
  bool expects_continue;  // the client waits for 100 Continue before sending the body
};

// The parsed head as a Request, or why it is refused: a malformed target (400), transfer
// codings other than one `chunked` (400; reading them another way would let a proxy in front
// and hookd disagree on where the request ends, RFC 9112 §6), an expectation other than
// 100-continue (417).
std::expected<Head, HeadRefusal> ParseHead(const RequestParser::value_type& msg);

}  // namespace hookd::api

// The HTTP server's parsing of what a client sends, as the server runs it: bytes go through a
// read buffer of kReadBufferLimit into a parser with hookd's limits, and a head becomes a Request
// or is refused. Nothing crashes, and the buffer never holds more than its limit.
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "api/request_head.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace beast = boost::beast;
  using namespace hookd::api;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  beast::flat_buffer buffer(kReadBufferLimit);
  // Moves what the client sent next into the buffer; false at the end or when the buffer is full
  // (the server answers 400 there).
  auto fill = [&] {
    size_t n = std::min(in.size(), kReadBufferLimit - buffer.size());
    if (n == 0) return false;
    std::memcpy(buffer.prepare(n).data(), in.data(), n);
    buffer.commit(n);
    in.remove_prefix(n);
    return true;
  };
  for (;;) {  // one request after another on a keep-alive connection
    RequestParser parser;
    LimitParser(parser, 64 * 1024);
    parser.eager(true);
    bool head_seen = false;
    while (!parser.is_done()) {
      beast::error_code ec;
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == beast::http::error::need_more || (!ec && used == 0)) {
        if (!fill()) return 0;
        continue;
      }
      if (ec) return 0;  // answered 4xx and closed
      if (parser.is_header_done() && !head_seen) {
        head_seen = true;
        if (!ParseHead(parser.get())) return 0;  // refused and closed
      }
    }
    if (buffer.size() > kReadBufferLimit) std::abort();
    if (!parser.keep_alive()) return 0;
  }
}

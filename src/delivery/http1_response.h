// Parses one HTTP/1.x response into an HttpResult as bytes arrive: status, Retry-After and the
// body up to a cap. Past the cap up to kDiscardLimit more body bytes are read and dropped so the
// connection stays reusable; past that the parse stops (cut(); the status stands).
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include "delivery/http_client.h"

namespace hookd::delivery {

class ResponseParser : public boost::beast::http::basic_parser<false> {
 public:
  // `out` receives the status, Retry-After and body; it must outlive the parser.
  ResponseParser(HttpResult& out, size_t max_body);

  // True when the body went past the cap by more than kDiscardLimit and parsing stopped.
  bool cut() const { return cut_; }
  // The status of the response's status line, 0 before it.
  int status() const { return status_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                       boost::beast::string_view, int, boost::beast::error_code&) override;
  void on_response_impl(int code, boost::beast::string_view reason, int version,
                        boost::beast::error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         boost::beast::error_code& ec) override;
  size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                            boost::beast::error_code& ec) override;
  size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                            boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code& ec) override;

  size_t Take(boost::beast::string_view data, boost::beast::error_code& ec);

  HttpResult& out_;
  size_t max_body_;
  size_t discarded_ = 0;
  int status_ = 0;
  bool cut_ = false;
};

}  // namespace hookd::delivery

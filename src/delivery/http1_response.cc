#include "delivery/http1_response.h"

#include <boost/beast/http/error.hpp>

namespace hookd::delivery {

namespace http = boost::beast::http;

ResponseParser::ResponseParser(HttpResult& out, size_t max_body) : out_(out), max_body_(max_body) {
  header_limit(100 * 1024);  // libcurl's limit for a response head
  body_limit(boost::none);   // the cap is applied in Take()
  eager(true);
}

void ResponseParser::on_request_impl(http::verb, boost::beast::string_view,
                                     boost::beast::string_view, int, boost::beast::error_code& ec) {
  ec = http::error::bad_version;  // never called for a response parser
}

void ResponseParser::on_response_impl(int code, boost::beast::string_view, int,
                                      boost::beast::error_code&) {
  status_ = code;
}

void ResponseParser::on_field_impl(http::field name, boost::beast::string_view,
                                   boost::beast::string_view value, boost::beast::error_code&) {
  if (name == http::field::retry_after) out_.retry_after = std::string(value);
}

void ResponseParser::on_header_impl(boost::beast::error_code&) {}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                       boost::beast::error_code&) {
  if (content_length) out_.body.reserve(std::min<uint64_t>(*content_length, max_body_));
}

size_t ResponseParser::on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) {
  return Take(body, ec);
}

void ResponseParser::on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                                          boost::beast::error_code&) {}

size_t ResponseParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                          boost::beast::error_code& ec) {
  return Take(body, ec);
}

void ResponseParser::on_finish_impl(boost::beast::error_code&) {}

size_t ResponseParser::Take(boost::beast::string_view data, boost::beast::error_code& ec) {
  size_t room = max_body_ > out_.body.size() ? max_body_ - out_.body.size() : 0;
  size_t kept = std::min(room, data.size());
  out_.body.append(data.data(), kept);
  discarded_ += data.size() - kept;
  if (discarded_ > kDiscardLimit) {
    cut_ = true;
    ec = http::error::body_limit;
  }
  return data.size();
}

}  // namespace hookd::delivery

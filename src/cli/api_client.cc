#include "cli/api_client.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "cli/http_call.h"
#include "core/json_text.h"

namespace hookd::cli {

namespace json = boost::json;

void AddApiFlags(CLI::App* cmd, ApiTarget& target) {
  cmd->add_option("--url", target.url, "base URL of the hookd API")
      ->envname("HOOKD_URL")
      ->capture_default_str()
      ->type_name("URL");
  cmd->add_option("--token", target.token, "API token (admin, or scoped to the app)")
      ->envname("HOOKD_TOKEN")
      ->type_name("TOKEN");
}

ApiClient::ApiClient(ApiTarget target) : target_(std::move(target)) {
  while (target_.url.ends_with('/')) target_.url.pop_back();
}

std::expected<json::value, std::string> ApiClient::Call(std::string_view method,
                                                        std::string_view path,
                                                        const json::value* body) {
  if (target_.token.empty())
    return std::unexpected("no API token: pass --token or set HOOKD_TOKEN");
  HttpCall call{std::string(method),
                target_.url + std::string(path),
                {{"Authorization", "Bearer " + target_.token}, {"Accept", "application/json"}}};
  if (body) {
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = core::JsonText(*body);
  }
  HttpAnswer answer = Perform(call);
  if (answer.status == 0)
    return std::unexpected("cannot reach hookd at " + call.url + ": " + answer.error);
  if (answer.status < 200 || answer.status > 299)
    return std::unexpected(DescribeApiError(answer.status, answer.body));
  if (answer.body.empty()) return json::value(nullptr);
  boost::system::error_code ec;
  auto v = core::ParseJson(answer.body, ec);
  if (ec)
    return std::unexpected(call.url + " answered HTTP " + std::to_string(answer.status) +
                           " with a body that is not JSON");
  return v;
}

const json::value* Find(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = &v;
  for (auto key : path) {
    const json::object* o = at->if_object();
    at = o ? o->if_contains(key) : nullptr;
    if (!at) return nullptr;
  }
  return at;
}

std::string Text(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = Find(v, path);
  if (!at || at->is_null()) return "";
  return at->is_string() ? std::string(at->get_string()) : core::JsonText(*at);
}

int64_t Int(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = Find(v, path);
  if (at && at->is_int64()) return at->get_int64();
  if (at && at->is_uint64()) return static_cast<int64_t>(at->get_uint64());
  return 0;
}

std::string Segment(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string DescribeApiError(int status, std::string_view body) {
  std::string out = "HTTP " + std::to_string(status);
  boost::system::error_code ec;
  auto v = core::ParseJson(body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o) return body.empty() ? out : out + ": " + std::string(body.substr(0, 500));
  if (auto* code = o->if_contains("code"); code && code->is_string())
    out += " " + std::string(code->get_string());
  const json::value* detail = o->if_contains("detail");
  if (detail && detail->is_string()) return out + ": " + std::string(detail->get_string());
  if (detail && detail->is_array()) {
    std::string sep = ": ";
    for (const auto& item : detail->get_array()) {
      const json::object* d = item.if_object();
      if (!d) continue;
      std::string loc;
      if (auto* l = d->if_contains("loc"); l && l->is_array()) {
        for (const auto& part : l->get_array()) {
          if (!loc.empty()) loc += '.';
          loc += part.is_string() ? std::string(part.get_string()) : core::JsonText(part);
        }
      }
      auto* msg = d->if_contains("msg");
      out += sep + loc + ": " + (msg && msg->is_string() ? std::string(msg->get_string()) : "?");
      sep = "; ";
    }
  }
  return out;
}

}  // namespace hookd::cli

#include "api/delivery_options.h"

#include <algorithm>

#include "core/ids.h"
#include "core/text.h"
#include "core/validation.h"
#include "delivery/url_template.h"

namespace hookd::api {
namespace {

namespace json = boost::json;

// Moves "user:password@" out of the URL's authority into `auth`. Sets `error` when the
// userinfo is not validly percent-encoded.
std::string TakeUserinfo(const std::string& url, std::optional<core::BasicAuth>& auth,
                         std::string& error) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto start = scheme + 3;
  auto end = url.find_first_of("/?#", start);
  if (end == std::string::npos) end = url.size();
  auto at = url.rfind('@', end);
  if (at == std::string::npos || at < start) return url;
  std::string info = url.substr(start, at - start);
  auto colon = info.find(':');
  auto decode = [&error](const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') {
        out += s[i];
        continue;
      }
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        error = "the credentials in the url are not validly percent-encoded";
        return out;
      }
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
    return out;
  };
  auth = core::BasicAuth{decode(info.substr(0, colon)),
                         colon == std::string::npos ? "" : decode(info.substr(colon + 1))};
  return url.substr(0, start) + url.substr(at + 1);
}

// Validates one URL (template); returns it without userinfo.
std::string ReadUrl(BodyReader& body, std::string_view field, std::string url,
                    std::optional<core::BasicAuth>& auth, const core::StringMap* env) {
  std::string userinfo_error;
  url = TakeUserinfo(url, auth, userinfo_error);
  if (!userinfo_error.empty())
    body.Fail(field, userinfo_error);
  else if (auto err = delivery::CheckUrlTemplate(url, env); !err.empty())
    body.Fail(field, err);
  else if (auto err2 = core::CheckUrl(delivery::SampleUrl(url)); !err2.empty())
    body.Fail(field, err2);
  return url;
}

// Headers hookd sets itself; an endpoint may not override them.
bool ReservedHeader(const std::string& header) {
  std::string name = core::AsciiLower(header);
  return name.starts_with("webhook-") || name.starts_with("svix-") || name.starts_with("x-svix-") ||
         name == "content-length" || name == "host" || name == "content-type" ||
         name == "user-agent" || name == "transfer-encoding" || name == "connection";
}

}  // namespace

void CheckHeaders(BodyReader& body, std::string_view field, const core::StringMap& headers) {
  for (const auto& [k, v] : headers) {
    auto control = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
    bool token = !k.empty() && std::none_of(k.begin(), k.end(), control) &&
                 k.find_first_of(" :()<>@,;\\\"/[]?={}") == std::string::npos;
    if (!token)
      body.Fail(field, "'" + k + "' is not a valid header name");
    else if (ReservedHeader(k))
      body.Fail(field, "header '" + k + "' is reserved (set by hookd)");
    if (std::any_of(v.begin(), v.end(), [&](unsigned char c) { return control(c) && c != '\t'; }))
      body.Fail(field, "value of '" + k + "' contains a control character");
  }
}

void ReadDeliveryOptions(BodyReader& body, core::Endpoint& ep, bool patch,
                         const core::StringMap* env) {
  auto& o = ep.options;
  std::optional<core::BasicAuth> url_auth;
  if (auto urls = body.StringList("urls", 10)) {
    if (urls->empty()) body.Fail("urls", "must list at least one URL (or be omitted)");
    o.urls.clear();
    // One request's credentials go to every URL it tries: the list must agree on them.
    std::optional<std::optional<core::BasicAuth>> first;
    for (auto& u : *urls) {
      std::optional<core::BasicAuth> auth;
      o.urls.push_back(ReadUrl(body, "urls", u, auth, env));
      if (first && *first != auth) {
        body.Fail("urls",
                  "every URL of the list must carry the same user:password (or none); give the"
                  " credentials once in basicAuth instead");
      }
      if (!first) first = auth;
      if (auth) url_auth = auth;
    }
    if (!o.urls.empty() && !body.Has("url")) ep.url = o.urls.front();
  } else if (!patch || body.IsNull("urls")) {
    o.urls.clear();
  }
  bool need_url = !patch && o.urls.empty();
  if (auto url = body.String("url", need_url)) {
    ep.url = ReadUrl(body, "url", *url, url_auth, env);
    // `url` is always the first of `urls`: a new url replaces it (as Svix clients expect).
    if (body.Has("urls") && !o.urls.empty() && o.urls.front() != ep.url)
      body.Fail("url", "must be the first entry of urls when both are given");
    else if (!o.urls.empty())
      o.urls.front() = ep.url;
  }

  if (auto m = body.String("method")) {
    if (*m == "POST" || *m == "GET" || *m == "post" || *m == "get")
      o.method = *m == "get" || *m == "GET" ? "GET" : "POST";
    else
      body.Fail("method", "must be POST or GET");
  } else if (!patch) {
    o.method = "POST";
  }
  if (auto ct = body.String("contentType")) {
    if (*ct == "application/json" || *ct == "application/x-www-form-urlencoded")
      o.content_type = *ct;
    else
      body.Fail("contentType", "must be application/json or application/x-www-form-urlencoded");
  } else if (!patch) {
    o.content_type = "application/json";
  }
  if (auto n = body.Int("retriesPerUrl", 1, 10))
    o.retries_per_url = static_cast<int>(*n);
  else if (!patch)
    o.retries_per_url = 1;
  if (auto t = body.Int("timeoutMs", 100, 120000))
    o.timeout_ms = static_cast<int>(*t);
  else if (!patch || body.IsNull("timeoutMs"))
    o.timeout_ms.reset();
  if (auto t = body.Int("totalTimeoutMs", 100, int64_t{30} * 86400 * 1000))
    o.total_timeout_ms = *t;
  else if (!patch || body.IsNull("totalTimeoutMs"))
    o.total_timeout_ms.reset();

  if (auto* v = body.Value("successStatus"); v && !v->is_null()) {
    std::vector<int> codes;
    bool ok = v->is_array() && !v->as_array().empty() && v->as_array().size() <= 20;
    for (size_t i = 0; ok && i < v->as_array().size(); ++i) {
      const auto& c = v->as_array()[i];
      ok = c.is_int64() && c.as_int64() >= 100 && c.as_int64() <= 599;
      if (ok) codes.push_back(static_cast<int>(c.as_int64()));
    }
    if (!ok) body.Fail("successStatus", "must be a list of 1 to 20 HTTP status codes (100-599)");
    o.success_status = std::move(codes);
  } else if (!patch || body.IsNull("successStatus")) {
    o.success_status.reset();
  }

  // retrySchedule, or the simple pair: retries (after the first attempt) every retryDelaySeconds.
  if (auto* v = body.Value("retrySchedule"); v && !v->is_null()) {
    std::vector<int> delays;
    bool ok = v->is_array() && v->as_array().size() <= 50;
    for (size_t i = 0; ok && i < v->as_array().size(); ++i) {
      const auto& d = v->as_array()[i];
      ok = d.is_int64() && d.as_int64() >= 0 && d.as_int64() <= 7 * 86400;
      if (ok) delays.push_back(static_cast<int>(d.as_int64()));
    }
    if (!ok)
      body.Fail("retrySchedule", "must be a list of at most 50 delays of 0 to 604800 seconds");
    ep.retry_schedule = std::move(delays);
  } else if (body.Has("retries") || body.Has("retryDelaySeconds")) {
    auto retries = body.Int("retries", 0, 50);
    auto delay = body.Int("retryDelaySeconds", 0, 7 * 86400);
    if (retries)
      ep.retry_schedule = std::vector<int>(*retries, static_cast<int>(delay.value_or(300)));
  } else if (!patch || body.IsNull("retrySchedule")) {
    ep.retry_schedule.reset();
  }

  if (auto auth = body.Nested("basicAuth")) {
    auto user = auth->String("username", true, 256);
    auto pass = auth->String("password", false, 1024);
    if (user && user->find(':') != std::string::npos)
      auth->Fail("username", "must not contain ':'");
    body.Absorb(*auth);
    if (user) o.basic_auth = core::BasicAuth{*user, pass.value_or("")};
  } else if (url_auth) {
    o.basic_auth = url_auth;
  } else if (!patch || body.IsNull("basicAuth")) {
    o.basic_auth.reset();
  }
  if (auto r = body.Bool("expectsReply"))
    o.expects_reply = *r;
  else if (!patch || body.IsNull("expectsReply"))
    o.expects_reply = false;
}

std::optional<core::Endpoint> ReadCallback(BodyReader& body, std::string_view field,
                                           std::string_view description, const core::Clock& clock) {
  auto nested = body.Nested(field);
  if (!nested) return std::nullopt;
  core::Endpoint cb;
  cb.id = core::NewId("ep", clock);
  cb.ephemeral = true;
  cb.description = std::string(description);
  // Env variables are checked once the app is known.
  ReadDeliveryOptions(*nested, cb, false, nullptr);
  if (auto headers = nested->Map("headers")) {
    CheckHeaders(*nested, "headers", *headers);
    cb.headers = *headers;
  }
  if (auto secret = nested->String("secret")) {
    std::string key = secret->starts_with("whsec_") ? *secret : "whsec_" + *secret;
    if (auto err = core::CheckSecret(key); !err.empty()) nested->Fail("secret", err);
    cb.secrets.push_back({key, std::nullopt});
  }
  cb.created_at = cb.updated_at = clock.Now();
  body.Absorb(*nested);
  return cb;
}

core::Status BindCallbackUrls(core::Endpoint& cb, const core::Message& vars,
                              const boost::json::value& payload, const core::StringMap& env,
                              std::string_view field) {
  auto render = [&](std::string& url) -> core::Status {
    if (url.empty()) return {};
    auto rendered = delivery::RenderUrl(url, vars, payload, env);
    if (!rendered) return core::Invalid(std::string(field), rendered.error().detail);
    url = std::move(*rendered);
    return {};
  };
  if (auto s = render(cb.url); !s) return s;
  for (auto& url : cb.options.urls) {
    if (auto s = render(url); !s) return s;
  }
  return {};
}

void AddDeliveryOptionsJson(json::object& out, const core::Endpoint& ep) {
  const auto& o = ep.options;
  json::array urls;
  for (const auto& u : o.urls) urls.emplace_back(u);
  out["urls"] = std::move(urls);
  out["method"] = o.method;
  out["contentType"] = o.content_type;
  out["expectsReply"] = o.expects_reply;
  out["retriesPerUrl"] = o.retries_per_url;
  out["timeoutMs"] = o.timeout_ms ? json::value(*o.timeout_ms) : nullptr;
  out["totalTimeoutMs"] = o.total_timeout_ms ? json::value(*o.total_timeout_ms) : nullptr;
  out["successStatus"] =
      o.success_status ? json::value_from(*o.success_status) : json::value(nullptr);
  out["retrySchedule"] =
      ep.retry_schedule ? json::value_from(*ep.retry_schedule) : json::value(nullptr);
  out["basicAuth"] = o.basic_auth ? json::value(json::object{{"username", o.basic_auth->username}})
                                  : json::value(nullptr);
}

}  // namespace hookd::api

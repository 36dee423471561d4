#include "store/json_fields.h"

#include <boost/json.hpp>

#include "core/time_format.h"

namespace hookd::store {
namespace json = boost::json;

std::string EncodeMap(const core::StringMap& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return json::serialize(o);
}

core::StringMap DecodeMap(const std::string& text) {
  core::StringMap out;
  auto v = json::parse(text);
  for (const auto& [k, val] : v.as_object()) out[std::string(k)] = std::string(val.as_string());
  return out;
}

std::optional<std::string> EncodeList(const std::optional<std::vector<std::string>>& v) {
  if (!v) return std::nullopt;
  json::array a;
  for (const auto& s : *v) a.emplace_back(s);
  return json::serialize(a);
}

std::optional<std::vector<std::string>> DecodeList(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::vector<std::string> out;
  auto parsed = json::parse(*text);  // must outlive the loop
  for (const auto& s : parsed.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::optional<std::string> EncodeInts(const std::optional<std::vector<int>>& v) {
  if (!v) return std::nullopt;
  json::array a;
  for (int n : *v) a.emplace_back(n);
  return json::serialize(a);
}

std::optional<std::vector<int>> DecodeInts(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::vector<int> out;
  auto parsed = json::parse(*text);  // must outlive the loop
  for (const auto& n : parsed.as_array()) out.push_back(static_cast<int>(n.to_number<int64_t>()));
  return out;
}

std::optional<std::string> EncodeOptions(const core::DeliveryOptions& o) {
  if (o == core::DeliveryOptions{}) return std::nullopt;
  json::object j;
  j["method"] = o.method;
  j["contentType"] = o.content_type;
  json::array urls;
  for (const auto& u : o.urls) urls.emplace_back(u);
  j["urls"] = std::move(urls);
  j["retriesPerUrl"] = o.retries_per_url;
  if (o.timeout_ms) j["timeoutMs"] = *o.timeout_ms;
  if (o.total_timeout_ms) j["totalTimeoutMs"] = *o.total_timeout_ms;
  if (o.success_status) {
    json::array codes;
    for (int c : *o.success_status) codes.emplace_back(c);
    j["successStatus"] = std::move(codes);
  }
  if (o.basic_auth) {
    j["basicAuth"] =
        json::object{{"username", o.basic_auth->username}, {"password", o.basic_auth->password}};
  }
  if (o.expects_reply) j["expectsReply"] = true;
  return json::serialize(j);
}

core::DeliveryOptions DecodeOptions(const std::optional<std::string>& text) {
  core::DeliveryOptions o;
  if (!text) return o;
  auto parsed = json::parse(*text);
  const auto& j = parsed.as_object();
  o.method = std::string(j.at("method").as_string());
  o.content_type = std::string(j.at("contentType").as_string());
  for (const auto& u : j.at("urls").as_array()) o.urls.emplace_back(u.as_string());
  o.retries_per_url = static_cast<int>(j.at("retriesPerUrl").to_number<int64_t>());
  if (auto* t = j.if_contains("timeoutMs"))
    o.timeout_ms = static_cast<int>(t->to_number<int64_t>());
  if (auto* t = j.if_contains("totalTimeoutMs")) o.total_timeout_ms = t->to_number<int64_t>();
  if (auto* s = j.if_contains("successStatus")) {
    o.success_status.emplace();
    for (const auto& c : s->as_array())
      o.success_status->push_back(static_cast<int>(c.to_number<int64_t>()));
  }
  if (auto* b = j.if_contains("basicAuth")) {
    o.basic_auth = core::BasicAuth{std::string(b->at("username").as_string()),
                                   std::string(b->at("password").as_string())};
  }
  if (auto* r = j.if_contains("expectsReply")) o.expects_reply = r->is_bool() && r->as_bool();
  return o;
}

std::optional<std::string> EncodeFailurePolicy(const core::FailurePolicy& p) {
  if (p.empty()) return std::nullopt;
  json::object j;
  if (p.disable_after_exhausted) j["disableAfterExhausted"] = *p.disable_after_exhausted;
  if (p.disable_after_failing_secs) j["disableAfterFailingSeconds"] = *p.disable_after_failing_secs;
  if (p.disable_on_gone) j["disableOnGone"] = *p.disable_on_gone;
  if (p.auto_recover_secs) j["autoRecoverSeconds"] = *p.auto_recover_secs;
  return json::serialize(j);
}

core::FailurePolicy DecodeFailurePolicy(const std::optional<std::string>& text) {
  core::FailurePolicy p;
  if (!text) return p;
  auto parsed = json::parse(*text);
  const auto& j = parsed.as_object();
  if (auto* v = j.if_contains("disableAfterExhausted"))
    p.disable_after_exhausted = static_cast<int>(v->to_number<int64_t>());
  if (auto* v = j.if_contains("disableAfterFailingSeconds"))
    p.disable_after_failing_secs = v->to_number<int64_t>();
  if (auto* v = j.if_contains("disableOnGone")) p.disable_on_gone = v->as_bool();
  if (auto* v = j.if_contains("autoRecoverSeconds")) p.auto_recover_secs = v->to_number<int64_t>();
  return p;
}

std::optional<std::string> EncodeNotifications(const core::Notifications& n) {
  if (n.empty()) return std::nullopt;
  auto list = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  json::object j{{"emails", list(n.emails)}, {"phones", list(n.phones)}};
  if (!n.events.empty()) j["events"] = list(n.events);  // absent: every alerting event
  if (n.digest_seconds) j["digestSeconds"] = *n.digest_seconds;
  return json::serialize(j);
}

core::Notifications DecodeNotifications(const std::optional<std::string>& text) {
  core::Notifications n;
  if (!text) return n;
  auto parsed = json::parse(*text);
  const auto& j = parsed.as_object();
  auto list = [&j](const char* key, std::vector<std::string>& out) {
    if (auto* v = j.if_contains(key))
      for (const auto& s : v->as_array()) out.emplace_back(s.as_string());
  };
  list("emails", n.emails);
  list("phones", n.phones);
  list("events", n.events);
  if (auto* v = j.if_contains("digestSeconds")) n.digest_seconds = v->to_number<int64_t>();
  return n;
}

std::string EncodeTaskSpec(const TaskSpec& spec) {
  json::object j{{"endpointId", spec.endpoint_id}, {"since", core::ToMicros(spec.since)}};
  if (spec.until) j["until"] = core::ToMicros(*spec.until);
  if (!spec.event_types.empty()) {
    json::array types;
    for (const auto& t : spec.event_types) types.emplace_back(t);
    j["eventTypes"] = std::move(types);
  }
  if (spec.channel) j["channel"] = *spec.channel;
  if (spec.tag) j["tag"] = *spec.tag;
  if (spec.status) j["status"] = static_cast<int>(*spec.status);
  if (spec.status_code_class) j["statusCodeClass"] = *spec.status_code_class;
  return json::serialize(j);
}

TaskSpec DecodeTaskSpec(const std::string& text) {
  auto parsed = json::parse(text);
  const auto& j = parsed.as_object();
  TaskSpec spec;
  spec.endpoint_id = std::string(j.at("endpointId").as_string());
  spec.since = core::FromMicros(j.at("since").to_number<int64_t>());
  if (auto* v = j.if_contains("until")) spec.until = core::FromMicros(v->to_number<int64_t>());
  if (auto* v = j.if_contains("eventTypes"))
    for (const auto& t : v->as_array()) spec.event_types.emplace_back(t.as_string());
  if (auto* v = j.if_contains("channel")) spec.channel = std::string(v->as_string());
  if (auto* v = j.if_contains("tag")) spec.tag = std::string(v->as_string());
  if (auto* v = j.if_contains("status"))
    spec.status = static_cast<core::DeliveryStatus>(v->to_number<int64_t>());
  if (auto* v = j.if_contains("statusCodeClass"))
    spec.status_code_class = static_cast<int>(v->to_number<int64_t>());
  return spec;
}

std::string EncodeSecrets(const std::vector<core::EndpointSecret>& secrets) {
  json::array a;
  for (const auto& s : secrets) {
    json::object o;
    o["key"] = s.key;
    if (s.expires_at) o["expiresAt"] = core::ToMicros(*s.expires_at);
    a.push_back(std::move(o));
  }
  return json::serialize(a);
}

std::vector<core::EndpointSecret> DecodeSecrets(const std::string& text) {
  std::vector<core::EndpointSecret> out;
  auto parsed = json::parse(text);  // must outlive the loop
  for (const auto& v : parsed.as_array()) {
    const auto& o = v.as_object();
    core::EndpointSecret s{std::string(o.at("key").as_string()), std::nullopt};
    if (auto* e = o.if_contains("expiresAt"))
      s.expires_at = core::FromMicros(e->to_number<int64_t>());
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hookd::store

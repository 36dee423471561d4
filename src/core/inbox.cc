#include "core/inbox.h"

#include <algorithm>
#include <array>

namespace hookd::core {
namespace json = boost::json;

namespace {

std::string Str(const json::object& j, std::string_view key, std::string fallback = "") {
  auto* v = j.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : fallback;
}

}  // namespace

bool IsSourceType(std::string_view type) {
  static constexpr std::array<std::string_view, 6> kTypes = {"generic-webhook", "svix",    "github",
                                                             "stripe",          "shopify", "slack"};
  return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

json::object SourceSettingsJson(const SourceSettings& s, bool with_secrets) {
  json::object j;
  if (with_secrets && !s.secret.empty()) j["secret"] = s.secret;
  if (!s.signature_header.empty()) {
    j["signatureHeader"] = s.signature_header;
    j["algorithm"] = s.algorithm;
    j["encoding"] = s.encoding;
    j["signaturePrefix"] = s.signature_prefix;
    j["signedContent"] = s.signed_content;
  }
  if (!s.timestamp_header.empty()) j["timestampHeader"] = s.timestamp_header;
  if (!s.id_header.empty()) j["idHeader"] = s.id_header;
  j["toleranceSeconds"] = s.tolerance_seconds;
  if (s.basic_auth) {
    json::object auth{{"username", s.basic_auth->username}};
    if (with_secrets) auth["password"] = s.basic_auth->password;
    j["basicAuth"] = std::move(auth);
  }
  if (!s.api_key_header.empty()) {
    j["apiKeyHeader"] = s.api_key_header;
    if (with_secrets) j["apiKey"] = s.api_key;
  }
  json::array methods;
  for (const auto& m : s.methods) methods.emplace_back(m);
  j["methods"] = std::move(methods);
  j["ackStatus"] = s.ack_status;
  json::array routes;
  for (const auto& r : s.routes) {
    json::object o{{"field", r.field}, {"eventType", r.event_type}};
    if (r.equals) o["equals"] = *r.equals;
    routes.push_back(std::move(o));
  }
  j["routes"] = std::move(routes);
  j["defaultEventType"] = s.default_event_type;
  return j;
}

SourceSettings SourceSettingsFromJson(const json::object& j) {
  SourceSettings s;
  s.secret = Str(j, "secret");
  s.signature_header = Str(j, "signatureHeader");
  s.algorithm = Str(j, "algorithm", s.algorithm);
  s.encoding = Str(j, "encoding", s.encoding);
  s.signature_prefix = Str(j, "signaturePrefix");
  s.signed_content = Str(j, "signedContent", s.signed_content);
  s.timestamp_header = Str(j, "timestampHeader");
  s.id_header = Str(j, "idHeader");
  if (auto* t = j.if_contains("toleranceSeconds"); t && t->is_int64())
    s.tolerance_seconds = static_cast<int>(t->as_int64());
  if (auto* b = j.if_contains("basicAuth"); b && b->is_object()) {
    s.basic_auth = BasicAuth{Str(b->as_object(), "username"), Str(b->as_object(), "password")};
  }
  s.api_key_header = Str(j, "apiKeyHeader");
  s.api_key = Str(j, "apiKey");
  if (auto* m = j.if_contains("methods"); m && m->is_array()) {
    s.methods.clear();
    for (const auto& v : m->as_array())
      if (v.is_string()) s.methods.emplace_back(v.as_string());
  }
  if (auto* a = j.if_contains("ackStatus"); a && a->is_int64())
    s.ack_status = static_cast<int>(a->as_int64());
  if (auto* r = j.if_contains("routes"); r && r->is_array()) {
    for (const auto& v : r->as_array()) {
      if (!v.is_object()) continue;
      const auto& o = v.as_object();
      RouteRule rule{Str(o, "field"), std::nullopt, Str(o, "eventType")};
      if (auto* e = o.if_contains("equals"); e && e->is_string())
        rule.equals = std::string(e->as_string());
      s.routes.push_back(std::move(rule));
    }
  }
  s.default_event_type = Str(j, "defaultEventType", s.default_event_type);
  return s;
}

std::string_view VerdictName(InboxVerdict v) {
  return v == InboxVerdict::kForwarded ? "forwarded" : "rejected";
}

std::optional<InboxVerdict> ParseVerdict(std::string_view name) {
  if (name == "forwarded") return InboxVerdict::kForwarded;
  if (name == "rejected") return InboxVerdict::kRejected;
  return std::nullopt;
}

}  // namespace hookd::core

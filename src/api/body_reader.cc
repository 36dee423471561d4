#include "api/body_reader.h"

#include "core/json_text.h"
#include "core/time_format.h"

namespace hookd::api {
namespace json = boost::json;

core::Result<BodyReader> BodyReader::Parse(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return BodyReader({});
  boost::system::error_code ec;
  json::value v = core::ParseJson(body, ec);
  if (ec) return core::Fail(core::ErrorCode::kBadRequest, "malformed JSON body: " + ec.message());
  if (!v.is_object())
    return core::Fail(core::ErrorCode::kBadRequest, "JSON body must be an object");
  return BodyReader(std::move(v.as_object()));
}

const json::value* BodyReader::Get(std::string_view key) const { return obj_.if_contains(key); }
bool BodyReader::Has(std::string_view key) const {
  auto* v = Get(key);
  return v && !v->is_null();
}
bool BodyReader::IsNull(std::string_view key) const {
  auto* v = Get(key);
  return v && v->is_null();
}

std::string_view BodyReader::Pick(std::initializer_list<std::string_view> keys) const {
  for (auto k : keys)
    if (Present(k)) return k;
  return *keys.begin();
}

void BodyReader::Fail(std::string_view key, std::string msg, std::string type) {
  auto loc = loc_;
  loc.emplace_back(key);
  errors_.push_back({std::move(loc), std::move(msg), std::move(type)});
}

std::optional<BodyReader> BodyReader::Nested(std::string_view key) {
  if (!Has(key)) return std::nullopt;
  if (!Get(key)->is_object()) {
    Fail(key, "must be a JSON object", "type_error.dict");
    return std::nullopt;
  }
  BodyReader nested(Get(key)->as_object());
  nested.loc_ = loc_;
  nested.loc_.emplace_back(key);
  return nested;
}

void BodyReader::Absorb(const BodyReader& nested) {
  errors_.insert(errors_.end(), nested.errors_.begin(), nested.errors_.end());
}

std::optional<std::string> BodyReader::String(std::string_view key, bool required, size_t max_len) {
  if (!Has(key)) {
    if (required) Fail(key, "field required", "value_error.missing");
    return std::nullopt;
  }
  auto* v = Get(key);
  if (!v->is_string()) {
    Fail(key, "must be a string", "type_error.str");
    return std::nullopt;
  }
  std::string s(v->as_string());
  if (max_len && s.size() > max_len) {
    Fail(key, "must be at most " + std::to_string(max_len) + " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<core::TimePoint> BodyReader::Time(std::string_view key, bool required) {
  auto text = String(key, required);
  if (!text) return std::nullopt;
  auto t = core::ParseTime(*text);
  if (!t) Fail(key, "must be an RFC 3339 time");
  return t;
}

std::optional<bool> BodyReader::Bool(std::string_view key) {
  if (!Has(key)) return std::nullopt;
  auto* v = Get(key);
  if (!v->is_bool()) {
    Fail(key, "must be a boolean", "type_error.bool");
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<int64_t> BodyReader::Int(std::string_view key, int64_t min, int64_t max,
                                       bool required) {
  if (!Has(key)) {
    if (required) Fail(key, "field required", "value_error.missing");
    return std::nullopt;
  }
  auto* v = Get(key);
  std::optional<int64_t> n;
  if (v->is_int64())
    n = v->as_int64();
  else if (v->is_uint64() && v->as_uint64() <= uint64_t(INT64_MAX))
    n = int64_t(v->as_uint64());
  else if (v->is_double() && v->as_double() == double(int64_t(v->as_double())))
    n = int64_t(v->as_double());
  if (!n) {
    Fail(key, "must be an integer", "type_error.integer");
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<core::StringMap> BodyReader::Map(std::string_view key) {
  if (!Has(key)) return std::nullopt;
  auto* v = Get(key);
  if (!v->is_object()) {
    Fail(key, "must be an object of strings", "type_error.dict");
    return std::nullopt;
  }
  core::StringMap out;
  for (const auto& [k, val] : v->as_object()) {
    if (!val.is_string()) {
      Fail(key, "value of '" + std::string(k) + "' must be a string", "type_error.str");
      return std::nullopt;
    }
    out[std::string(k)] = std::string(val.as_string());
  }
  return out;
}

std::optional<std::vector<std::string>> BodyReader::StringList(std::string_view key,
                                                               size_t max_items) {
  if (!Has(key)) return std::nullopt;
  auto* v = Get(key);
  if (!v->is_array()) {
    Fail(key, "must be a list of strings", "type_error.list");
    return std::nullopt;
  }
  if (max_items && v->as_array().size() > max_items) {
    Fail(key, "must have at most " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) {
      Fail(key, "must be a list of strings", "type_error.str");
      return std::nullopt;
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

std::optional<std::string> BodyReader::Raw(std::string_view key, bool required) {
  if (!Present(key)) {
    if (required) Fail(key, "field required", "value_error.missing");
    return std::nullopt;
  }
  return Text(key);
}

std::optional<std::string> BodyReader::Text(std::string_view key) {
  auto text = core::FiniteJsonText(*Get(key));
  if (!text) Fail(key, "a number is out of range (beyond a 64-bit float)");
  return text;
}

std::optional<std::string> BodyReader::Object(std::string_view key, bool required) {
  if (!Has(key)) {
    if (required) Fail(key, "field required", "value_error.missing");
    return std::nullopt;
  }
  if (!Get(key)->is_object()) {
    Fail(key, "must be a JSON object", "type_error.dict");
    return std::nullopt;
  }
  return Text(key);
}

core::Status BodyReader::Finish() const {
  if (errors_.empty()) return {};
  return std::unexpected(core::Error{core::ErrorCode::kValidation, "validation error", errors_});
}

}  // namespace hookd::api

#include "core/json_schema_check.h"

#include <array>
#include <boost/json.hpp>
#include <string_view>

namespace hookd::core {
namespace {
namespace json = boost::json;

constexpr std::array<std::string_view, 7> kTypes = {"null",   "boolean", "object", "array",
                                                    "number", "string",  "integer"};
constexpr int kMaxDepth = 64;

bool IsTypeName(const json::value& v) {
  if (!v.is_string()) return false;
  for (auto t : kTypes)
    if (v.as_string() == t) return true;
  return false;
}

std::string At(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Check(const json::value& schema, const std::string& path, int depth);

// Every value of an object of subschemas (properties, $defs, ...).
std::string CheckMap(const json::value& v, const std::string& path, int depth) {
  if (!v.is_object()) return path + ": must be an object of schemas";
  for (const auto& [k, sub] : v.as_object())
    if (auto e = Check(sub, At(path, k), depth + 1); !e.empty()) return e;
  return "";
}

std::string CheckList(const json::value& v, const std::string& path, int depth) {
  if (!v.is_array() || v.as_array().empty()) return path + ": must be a non-empty array of schemas";
  for (size_t i = 0; i < v.as_array().size(); ++i)
    if (auto e = Check(v.as_array()[i], path + "[" + std::to_string(i) + "]", depth + 1);
        !e.empty())
      return e;
  return "";
}

bool NonNegativeInt(const json::value& v) {
  return (v.is_int64() && v.as_int64() >= 0) || v.is_uint64();
}

std::string Check(const json::value& schema, const std::string& path, int depth) {
  if (depth > kMaxDepth) return path + ": nested too deeply";
  if (schema.is_bool()) return "";
  if (!schema.is_object()) return (path.empty() ? "schema" : path) + ": must be an object";
  for (const auto& [key, v] : schema.as_object()) {
    std::string at = At(path, key);
    std::string e;
    if (key == "type") {
      bool ok = IsTypeName(v);
      if (v.is_array()) {
        ok = !v.as_array().empty();
        for (const auto& t : v.as_array()) ok = ok && IsTypeName(t);
      }
      if (!ok) e = at + ": must be a JSON Schema type name or an array of them";
    } else if (key == "properties" || key == "patternProperties" || key == "$defs" ||
               key == "definitions" || key == "dependentSchemas") {
      e = CheckMap(v, at, depth);
    } else if (key == "items" || key == "additionalProperties" || key == "not" ||
               key == "contains" || key == "propertyNames" || key == "if" || key == "then" ||
               key == "else" || key == "additionalItems" || key == "unevaluatedProperties" ||
               key == "unevaluatedItems") {
      e = v.is_array() && key == "items" ? CheckList(v, at, depth) : Check(v, at, depth + 1);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf" || key == "prefixItems") {
      e = CheckList(v, at, depth);
    } else if (key == "required") {
      bool ok = v.is_array();
      if (ok)
        for (const auto& r : v.as_array()) ok = ok && r.is_string();
      if (!ok) e = at + ": must be an array of property names";
    } else if (key == "enum") {
      if (!v.is_array()) e = at + ": must be an array";
    } else if (key == "minLength" || key == "maxLength" || key == "minItems" || key == "maxItems" ||
               key == "minProperties" || key == "maxProperties") {
      if (!NonNegativeInt(v)) e = at + ": must be a non-negative integer";
    } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" ||
               key == "exclusiveMaximum" || key == "multipleOf") {
      if (!v.is_number()) e = at + ": must be a number";
    } else if (key == "pattern" || key == "format" || key == "$ref" || key == "$schema" ||
               key == "$id" || key == "title" || key == "description") {
      if (!v.is_string()) e = at + ": must be a string";
    }
    if (!e.empty()) return e;
  }
  return "";
}

}  // namespace

std::string CheckJsonSchema(const json::value& schema) { return Check(schema, "", 0); }

}  // namespace hookd::core

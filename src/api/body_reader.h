// Reads a JSON request body field by field, collecting every problem into one 422 error.
// Type mismatches on known fields are errors; unknown fields are ignored. JSON null counts as
// absent, except through IsNull() (PATCH uses it to clear a field).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace hookd::api {

class BodyReader {
 public:
  // 400 for malformed JSON or a body that is not an object. An empty body reads as {}.
  static core::Result<BodyReader> Parse(std::string_view body);

  const boost::json::value* Value(std::string_view key) const { return Get(key); }
  bool Has(std::string_view key) const;     // present and not null
  bool IsNull(std::string_view key) const;  // present and null
  bool Present(std::string_view key) const { return Has(key) || IsNull(key); }

  std::optional<std::string> String(std::string_view key, bool required = false,
                                    size_t max_len = 0);
  std::optional<bool> Bool(std::string_view key);
  // An RFC 3339 time.
  std::optional<core::TimePoint> Time(std::string_view key, bool required = false);
  std::optional<int64_t> Int(std::string_view key, int64_t min, int64_t max, bool required = false);
  std::optional<core::StringMap> Map(std::string_view key);
  std::optional<std::vector<std::string>> StringList(std::string_view key, size_t max_items = 0);
  // Any JSON value; serialized text. Required when `required`.
  std::optional<std::string> Raw(std::string_view key, bool required = false);
  // Any JSON object; serialized text.
  std::optional<std::string> Object(std::string_view key, bool required = false);
  // A reader over the object at `key` whose errors name "key.field"; nullopt (and an error
  // recorded here) when `key` is present but not an object, nullopt when absent.
  std::optional<BodyReader> Nested(std::string_view key);
  // Takes the problems recorded by a nested reader.
  void Absorb(const BodyReader& nested);

  // First present key of `keys` (aliases).
  std::string_view Pick(std::initializer_list<std::string_view> keys) const;

  // Records a problem with `key`.
  void Fail(std::string_view key, std::string msg, std::string type = "value_error");
  bool ok() const { return errors_.empty(); }
  // 422 with every recorded problem, or success.
  core::Status Finish() const;

 private:
  explicit BodyReader(boost::json::object obj) : obj_(std::move(obj)) {}
  const boost::json::value* Get(std::string_view key) const;
  // The value at `key` as JSON text; a problem recorded when a number in it is out of range.
  std::optional<std::string> Text(std::string_view key);
  boost::json::object obj_;
  std::vector<std::string> loc_{"body"};
  std::vector<core::FieldError> errors_;
};

}  // namespace hookd::api

// application/x-www-form-urlencoded bodies.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

namespace hookd::core {

// a=1&b=two as {"a": "1", "b": "two"}: every pair has '=' and decodes ('+' is a space); nullopt
// otherwise, and for no pair at all. Decoded bytes that are not UTF-8 become U+FFFD.
std::optional<boost::json::object> ParseForm(std::string_view body);

}  // namespace hookd::core

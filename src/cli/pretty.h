// Terminal output of the client commands: ANSI colours (only on a terminal, and never when
// NO_COLOR is set) and indented, optionally coloured JSON.
#pragma once

#include <boost/json/value.hpp>
#include <cstdio>
#include <string>
#include <string_view>

namespace hookd::cli {

// True when `stream` is a terminal and NO_COLOR is unset or empty.
bool UseColour(std::FILE* stream);

enum class Colour { kRed, kGreen, kYellow, kBlue, kMagenta, kCyan, kDim, kBold };

// `text` wrapped in the colour's escape sequence when `on`, else `text` unchanged.
std::string Paint(std::string_view text, Colour colour, bool on);

// `v` indented by two spaces per level; keys cyan, strings green, numbers yellow, literals
// magenta when `colour`. Numbers keep their shortest round-trip text (core::JsonText).
std::string PrettyJson(const boost::json::value& v, bool colour);

// A request or response body for display: pretty JSON when it parses as JSON, else the text as
// it is (non-printable bytes escaped as \xNN).
std::string PrettyBody(std::string_view body, bool colour);

}  // namespace hookd::cli

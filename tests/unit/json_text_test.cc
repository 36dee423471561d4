#include "core/json_text.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace hookd::core {
namespace {

TEST(JsonText, NumbersKeepTheirValueThroughParseAndSerialize) {
  // Boost.JSON's own parser reads 5e39 as 4.9999999999999995e+39.
  for (std::string text : {"5e39", "0.1", "2.5", "-0.0", "1.7976931348623157e+308", "5e-324",
                           "123456789012345678901234567890", "1e22", "9007199254740993.0"}) {
    auto v = ParseJson("[" + text + "]");
    double want = std::strtod(text.c_str(), nullptr);
    EXPECT_EQ(v.as_array()[0].as_double(), want) << text;
    EXPECT_EQ(JsonText(ParseJson(JsonText(v))), JsonText(v)) << text;
  }
  EXPECT_EQ(JsonText(ParseJson(R"({"a":5e39,"b":[1,-2,18446744073709551615]})")),
            R"({"a":5e+39,"b":[1,-2,18446744073709551615]})");
}

TEST(JsonText, ParseJsonRefusesWhatJsonParseRefuses) {
  boost::system::error_code ec;
  for (std::string_view bad : {"", "{", "[1,]", "{} x", "01", "1e", "\"\\x\""}) {
    ParseJson(bad, ec);
    EXPECT_TRUE(ec) << bad;
  }
  EXPECT_THROW(ParseJson("{"), boost::system::system_error);
  EXPECT_FALSE(FiniteJsonText(ParseJson("[1e400]")));
}

}  // namespace
}  // namespace hookd::core

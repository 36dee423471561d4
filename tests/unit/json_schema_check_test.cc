#include "core/json_schema_check.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace hookd::core {
namespace {

std::string CheckText(const char* text) { return CheckJsonSchema(boost::json::parse(text)); }

TEST(JsonSchemaCheck, AcceptsWellFormedSchemas) {
  EXPECT_EQ(CheckText(R"({"type":"object","properties":{"to":{"type":"string","minLength":1},
      "n":{"type":["integer","null"]}},"required":["to"],"additionalProperties":false})"),
            "");
  EXPECT_EQ(CheckText(R"({"anyOf":[{"type":"string"},true],"items":{"enum":[1,2]}})"), "");
  EXPECT_EQ(CheckText("true"), "");
}

TEST(JsonSchemaCheck, NamesWhatIsWrongAndWhere) {
  EXPECT_EQ(CheckText(R"({"type":"text"})"),
            "type: must be a JSON Schema type name or an array of them");
  EXPECT_EQ(CheckText(R"({"properties":{"a":{"type":5}}})"),
            "properties.a.type: must be a JSON Schema type name or an array of them");
  EXPECT_EQ(CheckText(R"({"required":"a"})"), "required: must be an array of property names");
  EXPECT_EQ(CheckText(R"({"items":{"minLength":-1}})"),
            "items.minLength: must be a non-negative integer");
  EXPECT_EQ(CheckText(R"({"anyOf":[]})"), "anyOf: must be a non-empty array of schemas");
  EXPECT_EQ(CheckText("5"), "schema: must be an object");
}

}  // namespace
}  // namespace hookd::core

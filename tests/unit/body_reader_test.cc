#include "api/body_reader.h"

#include <gtest/gtest.h>

namespace hookd::api {
namespace {

TEST(BodyReader, RejectsMalformedAndNonObjects) {
  EXPECT_EQ(BodyReader::Parse("{").error().code, core::ErrorCode::kBadRequest);
  EXPECT_EQ(BodyReader::Parse("[1]").error().code, core::ErrorCode::kBadRequest);
  EXPECT_EQ(BodyReader::Parse("\"s\"").error().code, core::ErrorCode::kBadRequest);
  EXPECT_TRUE(BodyReader::Parse("").has_value());
}

TEST(BodyReader, CollectsEveryFieldError) {
  auto body = BodyReader::Parse(R"({"name": 5, "disabled": "yes", "metadata": {"a": 1},
                                     "list": ["x", 2], "n": 1.5})");
  ASSERT_TRUE(body);
  EXPECT_FALSE(body->String("name").has_value());
  EXPECT_FALSE(body->Bool("disabled").has_value());
  EXPECT_FALSE(body->Map("metadata").has_value());
  EXPECT_FALSE(body->StringList("list").has_value());
  EXPECT_FALSE(body->Int("n", 0, 10).has_value());
  EXPECT_FALSE(body->String("required", true).has_value());
  auto s = body->Finish();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, core::ErrorCode::kValidation);
  std::vector<std::string> fields;
  for (const auto& f : s.error().fields) fields.push_back(f.loc.at(1));
  EXPECT_EQ(fields,
            (std::vector<std::string>{"name", "disabled", "metadata", "list", "n", "required"}));
}

TEST(BodyReader, RefusesNumbersBeyondADoubleInsteadOfChangingThem) {
  auto body =
      BodyReader::Parse(R"({"payload": {"big": [1e400]}, "raw": -1e999, "ok": {"n": 1e300}})");
  ASSERT_TRUE(body);
  EXPECT_FALSE(body->Object("payload").has_value());
  EXPECT_FALSE(body->Raw("raw").has_value());
  EXPECT_EQ(body->Object("ok"), R"({"n":1e+300})");
  auto s = body->Finish();
  ASSERT_FALSE(s);
  ASSERT_EQ(s.error().fields.size(), 2u);
  EXPECT_EQ(s.error().fields[0].loc.at(1), "payload");
  EXPECT_EQ(s.error().fields[1].loc.at(1), "raw");
}

TEST(BodyReader, ReadsValidFieldsAndTreatsNullAsAbsent) {
  auto body = BodyReader::Parse(
      R"({"s": "x", "b": true, "i": 42, "m": {"k": "v"}, "l": ["a"], "nul": null, "o": {"p": 1}})");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->String("s"), "x");
  EXPECT_EQ(body->Bool("b"), true);
  EXPECT_EQ(body->Int("i", 0, 100), 42);
  EXPECT_EQ(body->Map("m")->at("k"), "v");
  EXPECT_EQ(body->StringList("l")->size(), 1u);
  EXPECT_FALSE(body->Has("nul"));
  EXPECT_TRUE(body->IsNull("nul"));
  EXPECT_FALSE(body->String("nul", true).has_value());  // null does not satisfy required
  EXPECT_EQ(body->Object("o"), R"({"p":1})");
  EXPECT_FALSE(body->Int("i", 50, 100).has_value());  // out of range
  EXPECT_EQ(body->Pick({"absent", "s"}), "s");
  EXPECT_FALSE(body->Finish());
}

}  // namespace
}  // namespace hookd::api

#include "api/json_codec.h"

#include <gtest/gtest.h>

#include "core/json_text.h"

namespace hookd::api {
namespace {

// MessageJsonText writes the message-out text by hand: it must say what MessageJson says.
TEST(JsonCodec, MessageTextIsTheMessageObjectsText) {
  core::Message m;
  m.id = "msg_1";
  m.event_type = "a.\"b\"\\c\n\t\x01\u00e9";
  m.payload = R"({"x":[1,2.5,"y"],"z":null})";
  m.created_at = core::TimePoint(std::chrono::microseconds(1'700'000'000'123'456));
  for (int shape = 0; shape < 4; ++shape) {
    if (shape == 1) m.event_id = "evt-\x7f";
    if (shape == 2) m.channels = std::vector<std::string>{"a", "b\"c"};
    if (shape == 3) {
      m.tags = std::vector<std::string>{};
      m.batch_id = "batch-1";
    }
    for (bool content : {true, false}) {
      EXPECT_EQ(core::ParseJson(MessageJsonText(m, content)),
                boost::json::value(MessageJson(m, content)))
          << shape << content;
      EXPECT_EQ(MessageJsonText(m, content), core::JsonText(MessageJson(m, content)))
          << shape << content;
    }
  }
}

}  // namespace
}  // namespace hookd::api

// JSON request bodies as the API reads them: any bytes either fail cleanly or give fields whose
// JSON text reads back to the same text.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/body_reader.h"
#include "core/json_text.h"
#include "delivery/request_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hookd::api::BodyReader;
  auto body = BodyReader::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body) return 0;
  (void)body->String("name", false, 256);
  (void)body->Int("n", -10, 10);
  (void)body->Bool("disabled");
  (void)body->Map("metadata");
  (void)body->StringList("channels", 10);
  (void)body->Raw("raw");
  if (auto nested = body->Nested("application")) body->Absorb(*nested);
  if (auto payload = body->Object("payload")) {
    // The stored text is JSON that serializes back to itself.
    boost::system::error_code ec;
    auto again = hookd::core::ParseJson(*payload, ec);
    if (ec || hookd::core::JsonText(again) != *payload) std::abort();
    (void)hookd::delivery::FormEncode(*payload);
  }
  (void)body->Finish();
  return 0;
}

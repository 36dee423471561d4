// application/x-www-form-urlencoded: a body that parses encodes back to a body that parses to
// the same fields.
#include "core/form.h"

#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json_text.h"
#include "delivery/request_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fields = hookd::core::ParseForm(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!fields) return 0;
  auto encoded = hookd::delivery::FormEncode(hookd::core::JsonText(*fields));
  auto again = hookd::core::ParseForm(encoded);
  if (!again || *again != *fields) std::abort();
  return 0;
}

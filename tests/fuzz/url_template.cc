// URL templates: the first line is the template, the rest a JSON payload. A template that passes
// the check renders (or names a missing variable), and no value changes the URL's scheme or host.
#include "delivery/url_template.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/json_text.h"
#include "core/types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view tpl = in.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? "" : in.substr(nl + 1);
  hookd::core::StringMap env{{"region", "eu/1"}, {"dots", ".."}};
  if (!hookd::delivery::CheckUrlTemplate(tpl, &env).empty()) return 0;
  hookd::core::Message msg;
  msg.id = "msg_1";
  msg.event_type = "a.b";
  msg.event_id = "evt/../1";
  msg.payload = std::string(rest);
  boost::system::error_code ec;
  auto payload = hookd::core::ParseJson(rest, ec);
  if (ec) payload = boost::json::object();
  auto url = hookd::delivery::RenderUrl(tpl, msg, payload, env);
  if (!url) return 0;
  std::string sample_text = hookd::delivery::SampleUrl(tpl);
  auto sample = boost::urls::parse_uri(sample_text);
  auto rendered = boost::urls::parse_uri(*url);
  if (sample && !rendered) std::abort();
  if (sample && rendered &&
      (sample->scheme() != rendered->scheme() ||
       sample->encoded_authority() != rendered->encoded_authority()))
    std::abort();
  return 0;
}

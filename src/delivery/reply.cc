#include "delivery/reply.h"

#include <boost/json.hpp>
#include <cctype>
#include <optional>
#include <string>

#include "core/form.h"
#include "core/json_text.h"

namespace hookd::delivery {

void ReadReply(std::string_view body, core::Attempt& attempt) {
  auto trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
    trimmed.remove_suffix(1);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
    trimmed.remove_prefix(1);
  if (trimmed.empty()) {
    attempt.reply_error = "empty: the answer carried no reply";
    return;
  }
  if (body.size() > kMaxReplyBytes) {
    attempt.reply_error =
        "oversized: a reply is at most " + std::to_string(kMaxReplyBytes) + " bytes";
    return;
  }
  if (trimmed.front() == '{' || trimmed.front() == '[') {
    boost::system::error_code ec;
    auto v = core::ParseJson(trimmed, ec);
    if (ec || !v.is_object()) {
      attempt.reply_error = "malformed: not a JSON object";
      return;
    }
    attempt.reply = core::JsonText(v);
    return;
  }
  if (auto form = core::ParseForm(trimmed)) {
    attempt.reply = core::JsonText(*form);
    return;
  }
  attempt.reply_error = "malformed: neither a JSON object nor form fields";
}

}  // namespace hookd::delivery

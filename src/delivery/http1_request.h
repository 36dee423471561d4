// The head of an HTTP/1.1 request as the lean client sends it.
#pragma once

#include <string>
#include <string_view>

#include "delivery/http_client.h"
#include "delivery/http_target.h"

namespace hookd::delivery {

// Writes the request line and header fields of `request` (ending with the blank line) into
// `out`, replacing what it held. Like libcurl: Host, User-Agent (when not empty) and
// "Accept: */*" first unless the request gives its own; then the request's headers as given
// ("Name:" with nothing after it only removes a field the client would add); then
// Content-Length and, when missing, a form Content-Type for a POST. Anything but GET is sent as
// a POST with the body. A request's own Content-Length or Transfer-Encoding is left out: the
// client frames the body. Returns "" or why the request cannot be sent (a header field with a
// line break or no name).
std::string WriteRequestHead(const HttpRequest& request, const HttpTarget& target,
                             std::string_view user_agent, std::string& out);

}  // namespace hookd::delivery

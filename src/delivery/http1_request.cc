#include "delivery/http1_request.h"

#include <strings.h>

namespace hookd::delivery {
namespace {

bool NameIs(std::string_view name, std::string_view want) {
  return name.size() == want.size() && strncasecmp(name.data(), want.data(), want.size()) == 0;
}

// "Name: value" split at the colon, the value without surrounding blanks.
struct Field {
  std::string_view name, value;
};

Field Split(std::string_view line, size_t colon) {
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return {line.substr(0, colon), value};
}

}  // namespace

std::string WriteRequestHead(const HttpRequest& request, const HttpTarget& target,
                             std::string_view user_agent, std::string& out) {
  bool get = request.method == "GET";
  bool own_host = false, own_agent = false, own_accept = false, own_type = false;
  size_t size = 128 + target.target.size() + target.host_header.size() + user_agent.size();
  for (const auto& h : request.headers) {
    size_t colon = h.find(':');
    if (colon == 0 || colon == std::string::npos)
      return "header field without a name: \"" + h.substr(0, 64) + "\"";
    if (h.find_first_of("\r\n") != std::string::npos)
      return "header field with a line break: \"" + h.substr(0, colon) + "\"";
    std::string_view name(h.data(), colon);
    own_host |= NameIs(name, "Host");
    own_agent |= NameIs(name, "User-Agent");
    own_accept |= NameIs(name, "Accept");
    own_type |= NameIs(name, "Content-Type");
    size += h.size() + 2;
  }
  out.clear();
  out.reserve(size);
  out.append(get ? "GET " : "POST ").append(target.target).append(" HTTP/1.1\r\n");
  if (!own_host) out.append("Host: ").append(target.host_header).append("\r\n");
  if (!own_agent && !user_agent.empty())
    out.append("User-Agent: ").append(user_agent).append("\r\n");
  if (!own_accept) out.append("Accept: */*\r\n");
  for (const auto& h : request.headers) {
    auto [name, value] = Split(h, h.find(':'));
    if (value.empty() || NameIs(name, "Content-Length") || NameIs(name, "Transfer-Encoding"))
      continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!get) {
    out.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
    if (!own_type) out.append("Content-Type: application/x-www-form-urlencoded\r\n");
  }
  out.append("\r\n");
  return "";
}

}  // namespace hookd::delivery

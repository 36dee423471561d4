// Synchronous HTTP over libcurl for the client commands (their API calls and `listen --forward`).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace hookd::cli {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpCall {
  std::string method = "GET";
  std::string url;
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000};
};

struct HttpAnswer {
  int status = 0;  // 0: no answer, see `error`
  std::string content_type;
  std::string body;
  std::string error;  // why there is no answer (curl's words), e.g. "Couldn't connect to server"
};

// Bodies larger than this are refused on either side (an answer past it is an error).
inline constexpr size_t kMaxBodyBytes = 16 << 20;

// Performs `call`; never follows redirects. A pending Ctrl-C (StopRequested) aborts the transfer.
// Thread-safe.
HttpAnswer Perform(const HttpCall& call);

}  // namespace hookd::cli

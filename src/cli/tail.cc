// `hookd tail APP [--endpoint EP]`: prints an app's delivery attempts as they are made.
//
// Each poll lists, per endpoint, the attempts whose ids (which sort by the time an attempt was
// recorded) are at most kLookback older than the newest seen, oldest first; ids already printed
// are skipped. The look-back covers attempts committed slightly out of id order (several nodes,
// the store's write batching), so none is missed and none printed twice.
#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <set>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/pretty.h"
#include "cli/stop_signals.h"
#include "core/ids.h"
#include "core/json_text.h"

namespace hookd::cli {
namespace {

namespace json = boost::json;

constexpr auto kLookback = std::chrono::seconds(10);

struct TailOptions {
  ApiTarget api;
  std::string app;
  std::string endpoint;   // empty: every endpoint of the app
  double interval = 1.0;  // seconds between polls
};

// Every row of a list route (`path` with a query, without `iterator`), from the rows after
// `iterator` on, in the order the API gives them.
std::expected<std::vector<json::value>, std::string> ListAll(ApiClient& api,
                                                             const std::string& path,
                                                             std::string iterator = "") {
  std::vector<json::value> rows;
  for (;;) {
    auto page = api.Call("GET", path + (iterator.empty() ? "" : "&iterator=" + Segment(iterator)));
    if (!page) return std::unexpected(page.error());
    const json::value* data = Find(*page, {"data"});
    if (!data || !data->is_array()) return std::unexpected("unexpected answer to GET " + path);
    rows.insert(rows.end(), data->get_array().begin(), data->get_array().end());
    std::string next = Text(*page, {"iterator"});
    if (data->get_array().empty() || next.empty() || Text(*page, {"done"}) == "true") return rows;
    iterator = next;
  }
}

std::string Line(const json::value& a, bool colour) {
  bool ok = Text(a, {"statusText"}) == "success";
  std::string code = Text(a, {"responseStatusCode"});
  std::string event = Text(a, {"msg", "eventType"});
  std::string line = Paint(Text(a, {"timestamp"}), Colour::kDim, colour) + "  " +
                     Paint((code == "0" ? "---" : code) + " " + Text(a, {"statusText"}),
                           ok ? Colour::kGreen : Colour::kRed, colour) +
                     "  " + Text(a, {"msgId"}) + "  " + Paint(event, Colour::kCyan, colour) + "  " +
                     Text(a, {"endpointId"}) + "  " + Text(a, {"url"}) + "  " +
                     Text(a, {"responseDurationMs"}) + " ms";
  if (auto error = Text(a, {"error"}); !error.empty())
    line += "  " + Paint(error + ": " + Text(a, {"errorDetail"}), Colour::kRed, colour);
  return line;
}

class Tail {
 public:
  explicit Tail(const TailOptions& o)
      : o_(o), api_(o.api), app_path_("/api/v1/app/" + Segment(o.app)), colour_(UseColour(stdout)) {
    auto now = core::SystemClock::Instance().Now();
    start_ = core::IdLowerBound("atmpt", now);
    newest_ = now;
  }

  // Prints the attempts made since the last poll.
  std::expected<void, std::string> Poll() {
    std::vector<std::string> endpoints;
    if (!o_.endpoint.empty()) {
      endpoints.push_back(o_.endpoint);
    } else {
      auto eps = ListAll(api_, app_path_ + "/endpoint?limit=250&order=ascending");
      if (!eps) return std::unexpected(eps.error());
      for (const auto& ep : *eps) endpoints.push_back(Text(ep, {"id"}));
    }
    std::string low = std::max(start_, core::IdLowerBound("atmpt", newest_ - kLookback));
    std::map<std::string, json::value> fresh;  // by id: oldest first across endpoints
    for (const auto& ep : endpoints) {
      auto attempts = ListAll(api_,
                              app_path_ + "/attempt/endpoint/" + Segment(ep) +
                                  "?limit=250&order=ascending&with_msg=true",
                              low);
      if (!attempts) return std::unexpected(attempts.error());
      for (auto& a : *attempts) {
        std::string id = Text(a, {"id"});
        if (id > low && !printed_.contains(id)) fresh.emplace(id, std::move(a));
      }
    }
    for (const auto& [id, a] : fresh) {
      std::cout << Line(a, colour_) << "\n";
      printed_.insert(id);
      if (auto t = core::IdTime(id)) newest_ = std::max(newest_, *t);
    }
    std::cout << std::flush;
    // Ids below the look-back of the newest are never listed again.
    low = core::IdLowerBound("atmpt", newest_ - kLookback);
    printed_.erase(printed_.begin(), printed_.lower_bound(low));
    return {};
  }

 private:
  const TailOptions& o_;
  ApiClient api_;
  std::string app_path_;
  bool colour_;
  std::string start_;  // no attempt recorded before the tail started is printed
  core::TimePoint newest_;
  std::set<std::string> printed_;
};

int RunTail(const TailOptions& o) {
  BlockStopSignals();
  Tail tail(o);
  auto interval = std::chrono::milliseconds(static_cast<int64_t>(o.interval * 1000));
  std::cerr << "hookd tail: attempts of " << o.app << " ("
            << (o.endpoint.empty() ? "every endpoint" : "endpoint " + o.endpoint)
            << ") as they are made; Ctrl-C to stop\n";
  bool ever_ok = false;
  do {
    auto polled = tail.Poll();
    if (StopRequested()) break;
    if (!polled) {
      std::cerr << "hookd tail: " << polled.error() << "\n";
      if (!ever_ok) return 1;  // a wrong app, endpoint, token or URL: no use retrying
    }
    ever_ok |= polled.has_value();
  } while (!WaitForStop(interval));
  return 0;
}

}  // namespace

void AddTail(CLI::App& root, std::optional<int>& exit_code) {
  auto o = std::make_shared<TailOptions>();
  auto* cmd = root.add_subcommand(
      "tail", "Print an application's delivery attempts as they are made, until Ctrl-C");
  cmd->add_option("app", o->app, "application id or uid")->required();
  cmd->add_option("--endpoint", o->endpoint, "only this endpoint's attempts (id or uid)")
      ->type_name("EP");
  cmd->add_option("--interval", o->interval, "seconds between two polls of the API")
      ->check(CLI::Range(0.1, 60.0))
      ->capture_default_str();
  AddApiFlags(cmd, o->api);
  cmd->footer(
      "One line per attempt: when it started, the HTTP status (--- for none) and outcome, message "
      "id, event type, endpoint id, URL, duration and any error.");
  cmd->callback([o, &exit_code] { exit_code = RunTail(*o); });
}

}  // namespace hookd::cli

// `hookd replay APP ENDPOINT`: starts a recover (failed deliveries) or replay-missing (messages
// never sent to the endpoint) background task and follows it to its end with a progress bar.
#include <unistd.h>

#include <boost/json.hpp>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "cli/when.h"
#include "core/time_format.h"

namespace hookd::cli {
namespace {

namespace json = boost::json;

struct ReplayOptions {
  ApiTarget api;
  std::string app;
  std::string endpoint;
  std::string since = "24h";
  std::string until;
  bool missing = false;
  bool no_wait = false;
};

// "[#####-------------------------] 7/40 deliveries" when the total is known, else
// "7 deliveries made due".
std::string Progress(int64_t done, int64_t total) {
  std::string count = std::to_string(done) + " deliveries made due";
  if (total <= 0) return count;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(std::min(done, total) * kWidth / total);
  return "[" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "] " +
         std::to_string(done) + "/" + std::to_string(total) + " deliveries";
}

int RunReplay(const ReplayOptions& o) {
  auto now = core::SystemClock::Instance().Now();
  auto since = ParseWhen(o.since, now);
  std::optional<core::TimePoint> until;
  if (!o.until.empty()) until = ParseWhen(o.until, now);
  if (!since || (!o.until.empty() && !until)) {
    std::cerr << "hookd replay: --since and --until take an RFC 3339 time or a duration before "
                 "now such as 30m, 2h or 7d\n";
    return 2;
  }
  BlockStopSignals();
  ApiClient api(o.api);
  std::string ep_path = "/api/v1/app/" + Segment(o.app) + "/endpoint/" + Segment(o.endpoint);
  std::string range = "since=" + Segment(core::FormatTime(*since)) +
                      (until ? "&until=" + Segment(core::FormatTime(*until)) : "");

  // recover makes the failed deliveries of the range due again: that count is its total.
  int64_t total = 0;
  if (!o.missing) {
    auto stats = api.Call("GET", ep_path + "/stats?" + range);
    if (!stats) {
      std::cerr << "hookd replay: " << stats.error() << "\n";
      return 1;
    }
    total = Int(*stats, {"fail"});
  }
  json::object body{{"since", core::FormatTime(*since)}};
  if (until) body["until"] = core::FormatTime(*until);
  json::value request = std::move(body);
  auto task = api.Call("POST", ep_path + (o.missing ? "/replay-missing" : "/recover"), &request);
  if (!task) {
    std::cerr << "hookd replay: " << task.error() << "\n";
    return 1;
  }
  std::string id = Text(*task, {"id"});
  std::string kind = o.missing ? "replay-missing" : "recover";
  std::cout << kind << " task " << id << " started (messages since " << core::FormatTime(*since)
            << (until ? " until " + core::FormatTime(*until) : "") << ")\n"
            << std::flush;
  if (o.no_wait) return 0;

  // The bar is redrawn in place on a terminal; elsewhere a line is printed when the count moves.
  bool tty = isatty(fileno(stderr)) == 1;
  int64_t shown = -1;
  auto stopped = [&] {
    std::cerr << (tty ? "\n" : "") << "hookd replay: stopped following; task " << id
              << " goes on in hookd (GET /api/v1/background-task/" << id << ")\n";
    return 130;
  };
  for (;;) {
    int64_t sent = Int(*task, {"data", "messagesSent"});
    if (sent != shown) {
      std::cerr << (tty ? "\r" : "") << Progress(sent, total) << (tty ? "" : "\n") << std::flush;
      shown = sent;
    }
    std::string status = Text(*task, {"status"});
    if (status != "running") {
      if (tty) std::cerr << "\n";
      std::cout << kind << " task " << id << " " << status << ": " << sent
                << " deliveries made due\n";
      return status == "finished" ? 0 : 1;
    }
    if (WaitForStop(std::chrono::milliseconds(500))) return stopped();
    task = api.Call("GET", "/api/v1/background-task/" + Segment(id));
    if (!task) {
      if (StopRequested()) return stopped();  // Ctrl-C cut the call short
      std::cerr << (tty ? "\n" : "") << "hookd replay: " << task.error() << "\n";
      return 1;
    }
  }
}

}  // namespace

void AddReplay(CLI::App& root, std::optional<int>& exit_code) {
  auto o = std::make_shared<ReplayOptions>();
  auto* cmd = root.add_subcommand(
      "replay",
      "Send an endpoint's failed deliveries again (recover), or with --missing the messages it "
      "never got (replay-missing), and follow the task with a progress bar");
  cmd->add_option("app", o->app, "application id or uid")->required();
  cmd->add_option("endpoint", o->endpoint, "endpoint id or uid")->required();
  cmd->add_option("--since", o->since,
                  "messages created from: RFC 3339 time, or a duration before now (30m, 2h, 7d)")
      ->capture_default_str()
      ->type_name("WHEN");
  cmd->add_option("--until", o->until, "messages created before (default: no bound)")
      ->type_name("WHEN");
  cmd->add_flag("--missing", o->missing,
                "replay the messages never sent to the endpoint instead of its failed ones");
  cmd->add_flag("--no-wait", o->no_wait, "print the task id and exit without following it");
  AddApiFlags(cmd, o->api);
  cmd->callback([o, &exit_code] { exit_code = RunReplay(*o); });
}

}  // namespace hookd::cli

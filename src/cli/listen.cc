#include "cli/listen.h"

#include <condition_variable>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "api/server.h"
#include "cli/commands.h"
#include "cli/http_call.h"
#include "cli/pretty.h"
#include "cli/stop_signals.h"
#include "core/crypto.h"
#include "core/time_format.h"

namespace hookd::cli {
namespace {

// Headers that describe one hop of the connection, not the request: not relayed.
bool HopByHop(std::string_view name) {
  for (std::string_view h :
       {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
        "proxy-authorization", "proxy-connection", "expect", "host", "content-length"}) {
    if (name == h) return true;
  }
  return false;
}

api::Response TextAnswer(int status, std::string text) {
  return api::Response{status, std::move(text) + "\n", "text/plain", {}};
}

// Handles requests one at a time, in arrival order, off the server's io thread (forwarding
// blocks): prints each, checks it, answers it. Destroy it after stopping the server and before
// destroying it (the replies it holds belong to the server's connections).
class Receiver {
 public:
  explicit Receiver(const ListenOptions& options)
      : options_(options), colour_(UseColour(stdout)), worker_([this] { Work(); }) {}

  ~Receiver() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    worker_.join();
  }

  void Add(api::Request req, api::Reply reply) {
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back(std::move(req), std::move(reply));
    }
    cv_.notify_one();
  }

 private:
  void Work() {
    for (;;) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // requests still queued are dropped unanswered
      auto [req, reply] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      reply(Handle(req));
    }
  }

  api::Response Handle(const api::Request& req) {
    std::string_view method = api::MethodName(req.method);
    std::string target = req.path + (req.raw_query.empty() ? "" : "?" + req.raw_query);
    std::string out =
        Paint(std::string(method) + " " + target, Colour::kBold, colour_) + "  " +
        Paint(core::FormatTime(core::SystemClock::Instance().Now()), Colour::kDim, colour_) + "\n";
    for (const auto& [name, value] : req.headers)
      out += Paint(name, Colour::kCyan, colour_) + ": " + value + "\n";
    if (!req.body.empty()) out += PrettyBody(req.body, colour_) + "\n";

    api::Response answer;
    if (req.method == api::Method::kOther) {
      answer = TextAnswer(405, "hookd listen accepts GET, POST, PUT, PATCH and DELETE");
    } else if (auto bad = CheckSignature(req, out); !bad.empty()) {
      answer = TextAnswer(401, "invalid webhook signature: " + bad);
    } else if (!options_.forward.empty()) {
      answer = Forward(std::string(method), req, out);
    } else {
      answer = api::Response{options_.status, "", "", {}};
    }
    out += Paint("answered " + std::to_string(answer.status), Colour::kDim, colour_) + "\n\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return answer;
  }

  // Appends the verdict to `out`; returns why the request is refused ("" when it is not).
  std::string CheckSignature(const api::Request& req, std::string& out) {
    if (options_.secret.empty()) return "";
    auto why = VerifySignature(options_.secret, req.headers, req.body,
                               core::SystemClock::Instance().Now());
    if (why.empty()) {
      out += Paint("signature verified", Colour::kGreen, colour_) + "\n";
      return "";
    }
    out += Paint("signature invalid: " + why, Colour::kRed, colour_) + "\n";
    return options_.accept_invalid ? "" : why;
  }

  api::Response Forward(std::string method, const api::Request& req, std::string& out) {
    HttpCall call{std::move(method), options_.forward, {}, req.body};
    for (const auto& [name, value] : req.headers)
      if (!HopByHop(name)) call.headers.emplace_back(name, value);
    HttpAnswer a = Perform(call);
    if (a.status == 0) {
      out += Paint("forward to " + call.url + " failed: " + a.error, Colour::kRed, colour_) + "\n";
      return TextAnswer(502, "hookd listen: forward to " + call.url + " failed: " + a.error);
    }
    out += Paint("forwarded to " + call.url + ": " + std::to_string(a.status), Colour::kBlue,
                 colour_) +
           "\n";
    return api::Response{a.status, std::move(a.body), std::move(a.content_type), {}};
  }

  const ListenOptions& options_;
  const bool colour_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<api::Request, api::Reply>> queue_;
  bool stopping_ = false;
  std::thread worker_;  // last: starts once the rest is ready
};

}  // namespace

std::string CheckSecret(std::string_view secret) {
  if (!secret.starts_with("whsec_")) return "must start with whsec_";
  auto key = core::Base64Decode(secret.substr(6));
  if (!key || key->empty()) return "the part after whsec_ must be non-empty base64";
  return "";
}

std::string VerifySignature(std::string_view secret, const inbox::Headers& headers,
                            std::string_view body, core::TimePoint now) {
  core::Source source;
  source.type = "svix";  // Standard Webhooks; tolerance_seconds defaults to 5 minutes
  source.settings.secret = std::string(secret);
  source.settings.methods = {"ANY"};
  return inbox::Verify(source, {"ANY", headers, body}, now);
}

int RunListen(const ListenOptions& options) {
  if (!options.secret.empty()) {
    if (auto bad = CheckSecret(options.secret); !bad.empty()) {
      std::cerr << "hookd listen: --secret " << bad << "\n";
      return 2;
    }
  }
  BlockStopSignals();
  api::ServerOptions http;
  http.host = options.host;
  http.port = options.port;
  http.max_body_bytes = kMaxBodyBytes;
  http.max_connections = 256;
  http.request_timeout = std::chrono::seconds(60);  // a forward may take up to its 30 s timeout
  auto receiver = std::make_unique<Receiver>(options);
  api::HttpServer server(std::move(http), [&receiver](api::Request req, api::Reply reply) {
    receiver->Add(std::move(req), std::move(reply));
  });
  auto port = server.Start();
  if (!port) {
    std::cerr << "hookd listen: " << port.error().detail << "\n";
    return 1;
  }
  bool v6 = options.host.find(':') != std::string::npos;
  std::string url =
      "http://" + (v6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(*port);
  std::cout << "hookd listen: listening on " << url;
  if (!options.secret.empty()) std::cout << ", verifying signatures";
  if (!options.forward.empty()) std::cout << ", forwarding to " << options.forward;
  std::cout << " (Ctrl-C to stop)\n" << std::flush;
  WaitForStop(std::chrono::milliseconds(-1));
  server.Stop();
  receiver.reset();
  return 0;
}

void AddListen(CLI::App& root, std::optional<int>& exit_code) {
  auto options = std::make_shared<ListenOptions>();
  auto* cmd = root.add_subcommand(
      "listen",
      "Receive webhooks locally: print each request, verify its signature, answer or forward it");
  cmd->add_option("--host", options->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", options->port, "port to listen on (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--secret", options->secret,
                  "endpoint secret (whsec_...): verify each request's Standard Webhooks "
                  "signature and answer 401 when it is invalid")
      ->type_name("WHSEC");
  auto* status = cmd->add_option("--status", options->status, "HTTP status to answer with")
                     ->check(CLI::Range(100, 599))
                     ->capture_default_str();
  cmd->add_option("--forward", options->forward,
                  "relay each request (method, headers, body) to this URL and answer with its "
                  "answer")
      ->type_name("URL")
      ->excludes(status);
  cmd->add_flag("--accept-invalid", options->accept_invalid,
                "answer as usual even when the signature is invalid (it is still reported)");
  cmd->footer("Bodies over 16 MiB are refused with 413.");
  cmd->callback([options, &exit_code] { exit_code = RunListen(*options); });
}

}  // namespace hookd::cli

// `hookd send APP EVENT_TYPE [--data JSON]`: creates a message through the API and prints its id.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "core/json_text.h"

namespace hookd::cli {
namespace {

namespace json = boost::json;

struct SendOptions {
  ApiTarget api;
  std::string app;
  std::string event_type;
  std::string data = "{}";  // JSON text, or @FILE
  std::vector<std::string> channels;
  std::string event_id;
};

int RunSend(const SendOptions& o) {
  std::string text = o.data;
  if (text.starts_with('@')) {
    std::ifstream in(text.substr(1), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in) {
      std::cerr << "hookd send: cannot read " << text.substr(1) << "\n";
      return 2;
    }
    text = buf.str();
  }
  boost::system::error_code ec;
  json::value payload = core::ParseJson(text, ec);
  if (ec) {
    std::cerr << "hookd send: --data is not valid JSON: " << ec.message() << "\n";
    return 2;
  }
  json::object body{{"eventType", o.event_type}, {"payload", std::move(payload)}};
  if (!o.channels.empty()) body["channels"] = json::value_from(o.channels);
  if (!o.event_id.empty()) body["eventId"] = o.event_id;
  json::value request = std::move(body);
  auto msg = ApiClient(o.api).Call("POST", "/api/v1/app/" + Segment(o.app) + "/msg", &request);
  if (!msg) {
    std::cerr << "hookd send: " << msg.error() << "\n";
    return 1;
  }
  std::cout << Text(*msg, {"id"}) << "\n";
  return 0;
}

}  // namespace

void AddSend(CLI::App& root, std::optional<int>& exit_code) {
  auto o = std::make_shared<SendOptions>();
  auto* cmd = root.add_subcommand("send",
                                  "Send a message to an application's endpoints through "
                                  "a running hookd; prints the message id");
  cmd->add_option("app", o->app, "application id or uid")->required();
  cmd->add_option("event_type", o->event_type, "event type, e.g. order.created")->required();
  cmd->add_option("--data", o->data, "payload: a JSON object, or @FILE to read it from a file")
      ->capture_default_str()
      ->type_name("JSON");
  cmd->add_option("--channel", o->channels, "channel of the message (repeatable)")
      ->type_name("NAME");
  cmd->add_option("--event-id", o->event_id,
                  "unique id of the event: a second message with it is not sent again")
      ->type_name("ID");
  AddApiFlags(cmd, o->api);
  cmd->callback([o, &exit_code] { exit_code = RunSend(*o); });
}

}  // namespace hookd::cli

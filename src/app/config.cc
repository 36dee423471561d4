#include "app/config.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <sstream>
#include <stdexcept>
#include <toml.hpp>

#include "delivery/retry_policy.h"

namespace hookd::app {
namespace {

int64_t ParseInt(const std::string& key, const std::string& v, int64_t min, int64_t max) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) {
    throw std::invalid_argument(key + ": expected an integer from " + std::to_string(min) + " to " +
                                std::to_string(max) + ", got '" + v + "'");
  }
  return n;
}

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream ss(v);
  for (std::string part; std::getline(ss, part, ',');) {
    auto b = part.find_first_not_of(" \t");
    auto e = part.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// "max_body_bytes" -> "HOOKD_MAX_BODY_BYTES".
std::string EnvName(const std::string& name) {
  std::string env = "HOOKD_";
  for (char c : name) env += static_cast<char>(std::toupper(c));
  return env;
}

template <class T>
ConfigKey IntKey(std::string name, std::string help, T Config::*field, int64_t min, int64_t max) {
  return {name, EnvName(name), std::move(help),
          [=](Config& c, const std::string& v) {
            c.*field = static_cast<T>(ParseInt(name, v, min, max));
          },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

ConfigKey StringKey(std::string name, std::string help, std::string Config::*field,
                    std::function<void(const std::string&)> check = nullptr) {
  return {name, EnvName(name), std::move(help),
          [=](Config& c, const std::string& v) {
            if (check) check(v);
            c.*field = v;
          },
          [=](const Config& c) { return c.*field; }};
}

ConfigKey BoolKey(std::string name, std::string help, bool Config::*field) {
  return {name, EnvName(name), std::move(help),
          [=](Config& c, const std::string& v) {
            if (v == "true" || v == "1" || v == "on")
              c.*field = true;
            else if (v == "false" || v == "0" || v == "off")
              c.*field = false;
            else
              throw std::invalid_argument(name + ": expected true or false, got '" + v + "'");
          },
          [=](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

}  // namespace

bool IsCidr(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return false;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(s.substr(0, slash), ec);
  if (ec) return false;
  int bits = 0;
  std::string len = s.substr(slash + 1);
  auto [p, err] = std::from_chars(len.data(), len.data() + len.size(), bits);
  if (err != std::errc() || p != len.data() + len.size() || len.empty()) return false;
  return bits >= 0 && bits <= (addr.is_v4() ? 32 : 128);
}

std::pair<std::string, uint16_t> Config::ListenHostPort() const {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw std::invalid_argument("listen: expected host:port, got '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port = ParseInt("listen", listen.substr(colon + 1), 0, 65535);
  return {host, static_cast<uint16_t>(port)};
}

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey> keys = {
      StringKey("listen", "host:port the HTTP API listens on (port 0 picks a free port)",
                &Config::listen,
                [](const std::string& v) {
                  Config c;
                  c.listen = v;
                  (void)c.ListenHostPort();
                }),
      StringKey(
          "store",
          "store URL: sqlite://PATH (relative or absolute, e.g. sqlite:///var/lib/hookd.db) or"
          " postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=... (several nodes)",
          &Config::store),
      StringKey("admin_token",
                "admin API token to accept (for automation); otherwise first start mints one",
                &Config::admin_token),
      {"allowed_networks", EnvName("allowed_networks"),
       "comma-separated CIDRs that delivery may reach despite the SSRF guard",
       [](Config& c, const std::string& v) {
         auto list = SplitList(v);
         for (const auto& cidr : list)
           if (!IsCidr(cidr))
             throw std::invalid_argument("allowed_networks: '" + cidr + "' is not a CIDR");
         c.allowed_networks = list;
       },
       [](const Config& c) { return JoinList(c.allowed_networks); }},
      IntKey("max_body_bytes", "largest accepted request body in bytes (larger: 413)",
             &Config::max_body_bytes, 1024, int64_t{1} << 30),
      IntKey("io_threads", "HTTP io threads", &Config::io_threads, 1, 64),
      IntKey("max_connections",
             "most open HTTP connections; at the limit the longest-idle one is closed to make"
             " room, or the new one if none is idle (lowered to fit the open-file limit)",
             &Config::max_connections, 16, 10'000'000),
      IntKey("idle_timeout_seconds", "how long a keep-alive connection may wait for a request",
             &Config::idle_timeout_seconds, 1, 3600),
      IntKey("header_timeout_seconds",
             "how long a request's head may take to arrive, from its first byte (slower: closed)",
             &Config::header_timeout_seconds, 1, 600),
      IntKey("request_timeout_seconds",
             "how long a request's body may take, from its first byte, and a client may take to"
             " read a response",
             &Config::request_timeout_seconds, 1, 3600),
      StringKey("log_level", "trace, debug, info, warn, error or off", &Config::log_level,
                [](const std::string& v) {
                  for (auto l : {"trace", "debug", "info", "warn", "error", "off"})
                    if (v == l) return;
                  throw std::invalid_argument("log_level: unknown level '" + v + "'");
                }),
      IntKey("idempotency_ttl_seconds", "how long an idempotency key's answer is kept",
             &Config::idempotency_ttl_seconds, 60, 30 * 86400),
      IntKey("secret_rotation_grace_seconds", "how long a rotated-out signing key stays valid",
             &Config::secret_rotation_grace_seconds, 0, 30 * 86400),
      IntKey("commit_linger_us", "how long the writer waits to fill a group commit (µs)",
             &Config::commit_linger_us, 0, 100000),
      IntKey("commit_max_batch", "most writes in one group commit", &Config::commit_max_batch, 1,
             100000),
      BoolKey("delivery_enabled", "send webhooks (false: accept and store only)",
              &Config::delivery_enabled),
      StringKey("retry_schedule",
                "delays before each retry after the immediate first attempt (s, m or h units)",
                &Config::retry_schedule,
                [](const std::string& v) {
                  if (!delivery::ParseSchedule(v))
                    throw std::invalid_argument("retry_schedule: expected a list like 5s,5m,2h");
                }),
      IntKey("attempt_timeout_ms", "timeout of one delivery attempt", &Config::attempt_timeout_ms,
             100, 120000),
      BoolKey("svix_headers", "also send svix-id/svix-timestamp/svix-signature headers",
              &Config::svix_headers),
      IntKey("delivery_window", "deliveries held in memory at once (the rest wait in the store)",
             &Config::delivery_window, 100, 10'000'000),
      IntKey("endpoint_concurrency", "requests in flight per endpoint",
             &Config::endpoint_concurrency, 1, 10000),
      IntKey("max_in_flight", "requests in flight in all (an app gets a quarter)",
             &Config::max_in_flight, 1, 1'000'000),
      IntKey("claim_lease_seconds",
             "how long a node's claim on a delivery lasts without renewal (renewed every third of"
             " it); after a node dies, others take its work over this much later",
             &Config::claim_lease_seconds, 3, 3600),
      IntKey("disable_after_exhausted",
             "disable an endpoint after this many consecutive messages exhausted their retries"
             " (0: never; apps and endpoints may set their own)",
             &Config::disable_after_exhausted, 0, 1'000'000),
      IntKey("disable_after_failing_seconds",
             "disable an endpoint that has failed every attempt for this long (0: never)",
             &Config::disable_after_failing_seconds, 0, 10LL * 365 * 86400),
      IntKey("task_step", "deliveries a background task (replay, recover) makes due per commit",
             &Config::task_step, 1, 100000),
      StringKey("smtp_url",
                "SMTP server for alert mail: smtp://HOST:PORT (with smtp_starttls) or"
                " smtps://HOST:PORT; empty: email alerts are recorded as failed",
                &Config::smtp_url),
      StringKey("smtp_from", "sender address of alert mail", &Config::smtp_from),
      StringKey("smtp_username", "SMTP login (with smtp_password)", &Config::smtp_username),
      StringKey("smtp_password", "SMTP password", &Config::smtp_password),
      BoolKey("smtp_starttls", "require STARTTLS on smtp:// URLs", &Config::smtp_starttls),
      StringKey("sms_url",
                "SMS gateway hook for alerts: hookd POSTs {\"to\", \"text\"} as JSON to this URL,"
                " in which {{to}} and {{text}} are filled in (percent-encoded)",
                &Config::sms_url),
      StringKey("alert_retry_schedule",
                "delays before each retry of an alert that could not be sent; then it is"
                " recorded as failed",
                &Config::alert_retry_schedule,
                [](const std::string& v) {
                  if (!delivery::ParseSchedule(v))
                    throw std::invalid_argument(
                        "alert_retry_schedule: expected a list like 10s,1m,5m");
                }),
      IntKey("auto_recover_seconds",
             "probe an endpoint the failure rules disabled after this cool-down (doubled after"
             " each failed probe) and enable it again when the probe succeeds (0: never)",
             &Config::auto_recover_seconds, 0, 7 * 86400),
      BoolKey("disable_on_gone", "disable an endpoint at once when it answers 410 Gone",
              &Config::disable_on_gone),
      StringKey("public_url",
                "base URL senders reach this server at, for sources' ingestUrl (e.g."
                " https://hooks.example.com); empty: from the request's Host header",
                &Config::public_url),
      StringKey("tls_ca_file",
                "PEM file of CAs that receivers' certificates are verified against (default: the"
                " system store)",
                &Config::tls_ca_file),
  };
  return keys;
}

Config LoadConfig(const std::optional<std::string>& file,
                  const std::map<std::string, std::string>& flags,
                  const std::function<const char*(const char*)>& env) {
  Config config;
  if (file) {
    toml::value root;
    try {
      root = toml::parse(*file);
    } catch (const std::exception& e) {
      throw std::invalid_argument("config file " + *file + ": " + e.what());
    }
    for (const auto& [k, v] : root.as_table()) {
      auto it = std::find_if(ConfigKeys().begin(), ConfigKeys().end(),
                             [&](const ConfigKey& key) { return key.name == k; });
      if (it == ConfigKeys().end())
        throw std::invalid_argument("config file " + *file + ": unknown key '" + k + "'");
      std::string text;
      if (v.is_string())
        text = v.as_string();
      else if (v.is_integer())
        text = std::to_string(v.as_integer());
      else if (v.is_boolean())
        text = v.as_boolean() ? "true" : "false";
      else if (v.is_array()) {
        std::vector<std::string> items;
        for (const auto& item : v.as_array()) items.push_back(toml::get<std::string>(item));
        text = JoinList(items);
      } else {
        throw std::invalid_argument("config file " + *file + ": '" + k +
                                    "' has an unsupported type");
      }
      it->set(config, text);
    }
  }
  for (const auto& key : ConfigKeys()) {
    if (const char* v = env(key.env.c_str())) key.set(config, v);
  }
  for (const auto& key : ConfigKeys()) {
    if (auto it = flags.find(key.name); it != flags.end()) key.set(config, it->second);
  }
  return config;
}

}  // namespace hookd::app

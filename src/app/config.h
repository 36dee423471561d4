// Server configuration. Sources, lowest to highest precedence: built-in defaults, a TOML file
// (--config / HOOKD_CONFIG), HOOKD_* environment variables, command-line flags.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookd::app {

struct Config {
  std::string listen = "127.0.0.1:8071";
  std::string store = "sqlite://hookd-data/hookd.db";
  std::string admin_token;                    // empty: use stored tokens (first start mints one)
  std::vector<std::string> allowed_networks;  // CIDRs the SSRF guard lets through
  int64_t max_body_bytes = 1 << 20;
  int io_threads = 1;
  int64_t max_connections = 10000;  // lowered at start to what the open-file limit allows
  int64_t idle_timeout_seconds = 30;
  int64_t header_timeout_seconds = 10;
  int64_t request_timeout_seconds = 30;
  std::string log_level = "info";
  int64_t idempotency_ttl_seconds = 12 * 3600;
  int64_t secret_rotation_grace_seconds = 24 * 3600;
  int commit_linger_us = 0;
  int commit_max_batch = 1024;
  bool delivery_enabled = true;
  std::string retry_schedule = "5s,5m,30m,2h,5h,10h,10h";
  int64_t attempt_timeout_ms = 15000;
  bool svix_headers = false;
  int64_t delivery_window = 10000;
  int64_t endpoint_concurrency = 32;
  int64_t max_in_flight = 2048;
  int64_t claim_lease_seconds = 30;
  // Failure policy defaults (apps and endpoints refine them); 0 switches a rule off.
  int64_t disable_after_exhausted = 0;
  int64_t disable_after_failing_seconds = 5 * 86400;
  bool disable_on_gone = true;
  int64_t auto_recover_seconds = 0;
  int64_t task_step = 1000;  // deliveries a background task makes due per commit
  // Alerts to people (see ops/alert_sender.h).
  std::string smtp_url;  // smtp://host:port or smtps://host:port; empty: no email alerts
  std::string smtp_from = "hookd@localhost";
  std::string smtp_username;
  std::string smtp_password;
  bool smtp_starttls = false;
  std::string sms_url;  // the SMS gateway hook: POST {"to", "text"}
  std::string alert_retry_schedule = "10s,1m,5m,30m,2h";
  std::string tls_ca_file;  // empty: the system's CA store
  std::string public_url;   // base of sources' ingestUrl; empty: http://<Host header>

  // host and port of `listen`; throws std::invalid_argument when malformed.
  std::pair<std::string, uint16_t> ListenHostPort() const;
};

// One configuration key: its TOML name, environment variable, flag and help text.
struct ConfigKey {
  std::string name;  // TOML key, e.g. "max_body_bytes"; flag is --max-body-bytes
  std::string env;   // e.g. HOOKD_MAX_BODY_BYTES
  std::string help;
  std::function<void(Config&, const std::string&)> set;  // throws std::invalid_argument
  std::function<std::string(const Config&)> get;
};

const std::vector<ConfigKey>& ConfigKeys();

// Applies the file and environment layers over defaults. `flags` (key name -> value) are applied
// last. `env` is injectable for tests. Throws std::invalid_argument with a message naming the key.
Config LoadConfig(const std::optional<std::string>& file,
                  const std::map<std::string, std::string>& flags,
                  const std::function<const char*(const char*)>& env);

// Validates a CIDR such as "127.0.0.0/8" or "::1/128".
bool IsCidr(const std::string& s);

}  // namespace hookd::app

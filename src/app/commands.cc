#include "app/commands.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "api/server.h"
#include "api/service.h"
#include "app/file_budget.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/random.h"
#include "delivery/engine.h"
#include "delivery/retry_policy.h"
#include "ops/alert_sender.h"
#include "ops/task_runner.h"
#include "store/store.h"

namespace hookd::app {
namespace {

core::Result<std::unique_ptr<store::Store>> OpenInitialized(const Config& config) {
  auto store =
      store::OpenStore(config.store, core::SystemClock::Instance(),
                       {static_cast<size_t>(config.commit_max_batch), config.commit_linger_us});
  if (!store) return store;
  if (auto s = (*store)->Init(); !s) return std::unexpected(s.error());
  return store;
}

core::Result<std::string> MintToken(store::Store& store, const std::optional<std::string>& app_id,
                                    const std::string& name) {
  std::string secret = api::NewApiToken();
  core::Token token{core::NewId("tok"), api::HashToken(secret), app_id, name,
                    core::SystemClock::Instance().Now()};
  auto r = store::Wait<core::Token>(
      [&](store::Done<core::Token> done) { store.CreateToken(token, std::move(done)); });
  if (!r) return std::unexpected(r.error());
  return secret;
}

}  // namespace

int RunServe(const Config& config) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  auto [host, port] = config.ListenHostPort();
  // Block the stop signals before any thread starts (threads inherit the mask); the main thread
  // waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto store = OpenInitialized(config);
  if (!store) {
    spdlog::error("cannot open store {}: {}", config.store, store.error().detail);
    return 1;
  }
  api::ApiOptions options;
  options.idempotency_ttl = std::chrono::seconds(config.idempotency_ttl_seconds);
  options.secret_rotation_grace = std::chrono::seconds(config.secret_rotation_grace_seconds);
  options.public_url = config.public_url;
  if (!config.admin_token.empty()) {
    options.admin_token_hash = api::HashToken(config.admin_token);
  } else if (auto count = (*store)->CountTokens(); count && *count == 0) {
    auto token = MintToken(**store, std::nullopt, "initial admin token");
    if (!token) {
      spdlog::error("cannot create the admin token: {}", token.error().detail);
      return 1;
    }
    std::printf(
        "Created the admin API token (shown only this once; it is stored as a hash):\n  %s\n",
        token->c_str());
  }

  int64_t file_limit = RaiseFileLimit();
  auto files = ShareFiles(file_limit, config.delivery_enabled ? config.max_in_flight : 0,
                          config.max_connections);
  if (files.lowered) {
    spdlog::warn(
        "open-file limit {}: at most {} API connections (max_connections {}) and {} delivery "
        "connections per protocol (max_in_flight {})",
        file_limit, files.api_connections, config.max_connections, files.connections_per_client,
        config.max_in_flight);
  }
  std::unique_ptr<delivery::Engine> engine;
  core::SystemRandom random;
  if (config.delivery_enabled) {
    delivery::EngineOptions eo;
    eo.retry.schedule = *delivery::ParseSchedule(config.retry_schedule);
    eo.attempt_timeout = std::chrono::milliseconds(config.attempt_timeout_ms);
    eo.svix_headers = config.svix_headers;
    eo.window = static_cast<size_t>(config.delivery_window);
    eo.endpoint_concurrency = static_cast<size_t>(config.endpoint_concurrency);
    eo.max_in_flight = static_cast<size_t>(config.max_in_flight);
    eo.endpoint_queue = std::max<size_t>(eo.window / 10, 100);
    eo.app_window = std::max<size_t>(eo.window / 4, eo.endpoint_queue);
    eo.app_in_flight = std::max<size_t>(eo.max_in_flight / 4, eo.endpoint_concurrency);
    eo.lease = std::chrono::seconds(config.claim_lease_seconds);
    eo.failure_policy = {static_cast<int>(config.disable_after_exhausted),
                         config.disable_after_failing_seconds, config.disable_on_gone,
                         config.auto_recover_seconds};
    eo.allowed_networks = config.allowed_networks;
    eo.http.ca_file = config.tls_ca_file;
    eo.http.max_total_connections = files.connections_per_client;
    engine = std::make_unique<delivery::Engine>(**store, core::SystemClock::Instance(), random,
                                                std::move(eo));
    engine->AttachToStore();
    if (auto s = engine->Start(); !s) {
      spdlog::error("cannot start delivery: {}", s.error().detail);
      return 1;
    }
  }
  ops::TaskRunner tasks(**store, core::SystemClock::Instance(),
                        {.lease = std::chrono::seconds(config.claim_lease_seconds),
                         .step = static_cast<size_t>(config.task_step)});
  tasks.Start();
  ops::AlertSender alerts(**store, core::SystemClock::Instance(),
                          {.smtp = {.url = config.smtp_url,
                                    .from = config.smtp_from,
                                    .username = config.smtp_username,
                                    .password = config.smtp_password,
                                    .starttls = config.smtp_starttls,
                                    .ca_file = config.tls_ca_file},
                           .sms_url = config.sms_url,
                           .retry = *delivery::ParseSchedule(config.alert_retry_schedule),
                           .allowed_networks = config.allowed_networks,
                           .lease = std::chrono::seconds(config.claim_lease_seconds)});
  if (auto s = alerts.Start(); !s) {
    spdlog::error("cannot start alerts: {}", s.error().detail);
    return 1;
  }
  api::ApiService service(**store, core::SystemClock::Instance(), options, engine.get(), &tasks);
  api::ServerOptions http;
  http.host = host;
  http.port = port;
  http.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  http.io_threads = config.io_threads;
  http.max_connections = static_cast<size_t>(files.api_connections);
  http.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  http.header_timeout = std::chrono::seconds(config.header_timeout_seconds);
  http.request_timeout = std::chrono::seconds(config.request_timeout_seconds);
  api::HttpServer server(
      std::move(http),
      [&service](api::Request req, api::Reply reply) {
        service.Handle(std::move(req), std::move(reply));
      },
      [&service](api::Request& head) { return service.Screen(head); });
  service.AttachServer(server);
  auto bound = server.Start();
  if (!bound) {
    spdlog::error("{}", bound.error().detail);
    return 1;
  }
  std::printf("hookd %s listening on %s:%u (store %s)\n", HOOKD_VERSION, host.c_str(), *bound,
              config.store.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("signal {}: stopping", sig);
  server.Stop();               // no new requests; io threads joined
  if (engine) engine->Stop();  // in-flight deliveries stay due in the store
  tasks.Stop();                // a task under way goes on from its cursor after a restart
  alerts.Stop();               // an alert being sent is sent again after its lease
  (*store)->Close();           // finishes queued writes
  return 0;
}

int RunTokenCreate(const Config& config, const std::optional<std::string>& app,
                   const std::string& name) {
  auto store = OpenInitialized(config);
  if (!store) {
    std::fprintf(stderr, "cannot open store %s: %s\n", config.store.c_str(),
                 store.error().detail.c_str());
    return 1;
  }
  std::optional<std::string> app_id;
  if (app) {
    auto found = (*store)->GetApp(*app);
    if (!found) {
      std::fprintf(stderr, "application %s: %s\n", app->c_str(), found.error().detail.c_str());
      return 1;
    }
    app_id = found->id;
  }
  auto token = MintToken(**store, app_id, name);
  (*store)->Close();
  if (!token) {
    std::fprintf(stderr, "cannot create token: %s\n", token.error().detail.c_str());
    return 1;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}

}  // namespace hookd::app

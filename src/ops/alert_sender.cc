#include "ops/alert_sender.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/ids.h"
#include "core/json_text.h"
#include "core/ops_events.h"
#include "core/thread_setup.h"
#include "delivery/http_client.h"
#include "delivery/signer.h"
#include "delivery/ssrf_guard.h"
#include "delivery/url_template.h"
#include "ops/alert_text.h"

namespace hookd::ops {

struct AlertSender::Impl {
  store::Store& store;
  const core::Clock& clock;
  AlertSenderOptions options;
  std::string node = core::NewId("node");
  std::optional<delivery::SsrfGuard> guard;
  std::unique_ptr<delivery::HttpClient> guarded;    // fallback URLs: customers' addresses
  std::unique_ptr<delivery::HttpClient> operators;  // the SMS hook: the operator's own service
  delivery::Signer signer;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread thread;

  Impl(store::Store& s, const core::Clock& c, AlertSenderOptions o)
      : store(s), clock(c), options(std::move(o)) {}

  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }

  void Run() {
    while (!Stopping()) {
      auto now = clock.Now();
      auto due =
          store::Wait<std::vector<store::Alert>>([&](store::Done<std::vector<store::Alert>> done) {
            store.ClaimDueAlerts(node, now, now + options.lease, 20, std::move(done));
          });
      if (!due) spdlog::warn("alerts: claiming failed: {}", due.error().detail);
      if (due && !due->empty()) {
        for (auto& alert : *due) Send(std::move(alert));
        continue;
      }
      std::unique_lock lock(mu);
      cv.wait_for(lock, options.idle_poll, [this] { return stopping; });
    }
  }

  void Send(store::Alert alert) {
    auto event = store.GetMessage(core::kOperationsAppId, alert.event_id);
    auto app = store.GetApp(alert.app_id);
    auto endpoint = store.GetEndpoint(alert.app_id, alert.endpoint_id);
    std::optional<core::Attempt> last;
    if (event) last = LastAttempt(*event);
    core::Status sent = core::Fail(core::ErrorCode::kNotFound, "the event is gone");
    if (event) {
      AlertFacts facts{alert, event->payload, app ? &*app : nullptr,
                       endpoint ? &*endpoint : nullptr, last ? &*last : nullptr};
      sent = Deliver(facts, endpoint ? &*endpoint : nullptr);
    }
    ++alert.attempts;
    auto now = clock.Now();
    if (sent) {
      alert.status = "sent";
      alert.error.clear();
      alert.sent_at = now;
      alert.next_attempt_at.reset();
    } else if (static_cast<size_t>(alert.attempts) <= options.retry.size()) {
      alert.status = "pending";
      alert.error = sent.error().detail;
      alert.next_attempt_at = now + options.retry[alert.attempts - 1];
    } else {
      alert.status = "failed";
      alert.error = sent.error().detail;
      alert.next_attempt_at.reset();
      spdlog::warn("alerts: giving up {} to {}: {}", alert.channel, alert.recipient, alert.error);
    }
    auto recorded = store::Wait<void>(
        [&](store::Done<void> done) { store.RecordAlert(alert, node, std::move(done)); });
    if (!recorded)
      spdlog::warn("alerts: recording {} failed: {}", alert.id, recorded.error().detail);
  }

  // The attempt a message.attempt.* event reports, when it is still stored.
  std::optional<core::Attempt> LastAttempt(const core::Message& event) {
    auto payload = core::ParseJson(event.payload);
    const auto* data = payload.as_object().if_contains("data");
    if (!data || !data->is_object()) return std::nullopt;
    const auto& d = data->as_object();
    const auto* msg = d.if_contains("msgId");
    const auto* attempt = d.if_contains("lastAttempt");
    const auto* app = d.if_contains("appId");
    if (!msg || !attempt || !app || !attempt->is_object()) return std::nullopt;
    const auto* id = attempt->as_object().if_contains("id");
    if (!id || !id->is_string()) return std::nullopt;
    auto a = store.GetAttempt(std::string(app->as_string()), std::string(msg->as_string()),
                              std::string(id->as_string()));
    return a ? std::optional(*a) : std::nullopt;
  }

  core::Status Deliver(const AlertFacts& facts, const core::Endpoint* endpoint) {
    const auto& a = facts.alert;
    if (a.channel == "email") {
      auto mail = AlertMail(facts);
      return SendMail(options.smtp, {a.recipient}, mail.subject, mail.body);
    }
    if (a.channel == "sms") {
      if (options.sms_url.empty())
        return core::Fail(core::ErrorCode::kUnavailable, "no SMS hook configured");
      auto text = AlertSms(facts);
      boost::json::object body{{"to", a.recipient}, {"text", text}};
      return Post(*operators, SmsUrl(a.recipient, text), boost::json::serialize(body), {});
    }
    // fallback: signed with the endpoint's keys, so its owner can verify it
    std::string body = AlertReport(facts);
    std::vector<std::string> headers;
    if (endpoint) {
      std::vector<std::string> keys;
      for (const auto& s : endpoint->secrets) keys.push_back(s.key);
      auto ts = std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch());
      headers = {"webhook-id: " + a.id, "webhook-timestamp: " + std::to_string(ts.count()),
                 "webhook-signature: " + signer.Sign(a.id, ts.count(), body, keys)};
    }
    return Post(*guarded, a.recipient, std::move(body), std::move(headers));
  }

  // The SMS hook's URL with {{to}} and {{text}} filled in (percent-encoded).
  std::string SmsUrl(const std::string& to, const std::string& text) {
    std::string url;
    std::string_view rest = options.sms_url;
    for (size_t at; (at = rest.find("{{")) != std::string_view::npos;) {
      url.append(rest.substr(0, at));
      rest.remove_prefix(at);
      if (rest.starts_with("{{to}}")) {
        delivery::AppendPercentEncoded(to, url, false);
        rest.remove_prefix(6);
      } else if (rest.starts_with("{{text}}")) {
        delivery::AppendPercentEncoded(text, url, false);
        rest.remove_prefix(8);
      } else {
        url += "{{";
        rest.remove_prefix(2);
      }
    }
    return url.append(rest);
  }

  // POSTs JSON and waits for the answer; a 2xx is success.
  core::Status Post(delivery::HttpClient& http, const std::string& url, std::string body,
                    std::vector<std::string> headers) {
    headers.push_back("content-type: application/json");
    std::optional<delivery::HttpResult> result;
    http.Submit({"POST", url, std::move(headers), std::move(body), options.http_timeout},
                [&result](delivery::HttpResult r) { result = std::move(r); });
    while (!result) http.Poll(std::chrono::milliseconds(100));
    if (result->status >= 200 && result->status < 300) return {};
    if (result->status)
      return core::Fail(core::ErrorCode::kUnavailable, "HTTP " + std::to_string(result->status));
    return core::Fail(core::ErrorCode::kUnavailable, result->error + ": " + result->error_detail);
  }
};

AlertSender::AlertSender(store::Store& store, const core::Clock& clock, AlertSenderOptions options)
    : impl_(std::make_unique<Impl>(store, clock, std::move(options))) {}

AlertSender::~AlertSender() { Stop(); }

core::Status AlertSender::Start() {
  auto guard = delivery::SsrfGuard::Create(impl_->options.allowed_networks);
  if (!guard) return std::unexpected(guard.error());
  impl_->guard.emplace(std::move(*guard));
  delivery::HttpClientOptions http;
  http.user_agent = "hookd/" HOOKD_VERSION;
  impl_->guarded = std::make_unique<delivery::HttpClient>(http, &*impl_->guard);
  impl_->operators = std::make_unique<delivery::HttpClient>(http, nullptr);
  impl_->thread = std::thread([this] {
    core::SetUpThisThread("hookd-alerts");
    impl_->Run();
  });
  return {};
}

void AlertSender::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace hookd::ops

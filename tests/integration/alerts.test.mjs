// Alerts to people end to end, with a real SMTP server on loopback (aiosmtpd): the alert mail
// reaches every address of the app's notification list with a text a person understands, the SMS
// hook and the endpoint's fallback URL (signed) get theirs, further failures inside the window
// send nothing until one digest; an unreachable SMTP server is retried, then recorded as failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Webhook } from "../e2e/node_modules/standardwebhooks/dist/index.js";

import { client, freePort, startServer } from "./lib/server.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";
import { startSmtp } from "./lib/smtp.mjs";

async function start(t, smtpUrl, rx) {
  const server = await startServer({
    delivery: true,
    env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8" },
    args: ["--smtp-url", smtpUrl, "--smtp-from", "alerts@hookd.test", "--sms-url", rx.url("/sms?to={{to}}&msg={{text}}"),
           "--alert-retry-schedule", "1s,1s"],
  });
  t.after(() => server.stop());
  return client(server);
}

test("an exhausted message alerts by mail, SMS and fallback URL; the window's later failures make one digest", async (t) => {
  const smtp = await startSmtp();
  const rx = await startReceiver();
  t.after(async () => {
    await smtp.close();
    await rx.close();
  });
  const api = await start(t, smtp.url, rx);
  rx.on("/down", { status: 500, body: "database unavailable" });
  const app = (
    await api.post("/api/v1/app", {
      name: "Acme Shop",
      notifications: { emails: ["ops@acme.test", "oncall@acme.test"], phones: ["+15550100"], digestSeconds: 3 },
    })
  ).json;
  assert.deepEqual(app.notifications.emails, ["ops@acme.test", "oncall@acme.test"]);
  const ep = (
    await api.post(`/api/v1/app/${app.id}/endpoint`, {
      url: rx.url("/down"),
      retrySchedule: [],
      fallbackUrl: rx.url("/fallback"),
    })
  ).json;
  assert.equal(ep.fallbackUrl, rx.url("/fallback"));
  const secret = (await api.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/secret`)).json.key;

  const first = (await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: {} })).json;
  await waitFor(() => smtp.mails.length >= 2, { timeoutMs: 15_000, message: "no alert mail" });
  assert.deepEqual(smtp.mails.map((m) => m.to[0]).sort(), ["oncall@acme.test", "ops@acme.test"]);
  for (const m of smtp.mails) {
    assert.equal(m.from, "alerts@hookd.test");
    assert.match(m.subject, /Delivery failed/);
    assert.ok(m.subject.includes(rx.url("/down")), m.subject);
    assert.match(m.body, /Application: Acme Shop/);
    assert.ok(m.body.includes(first.id), "names the message");
    assert.match(m.body, /HTTP 500/);
    assert.match(m.body, /database unavailable/);
  }
  const [sms] = await rx.waitForCount("/sms", 1);
  assert.equal(JSON.parse(sms.body).to, "+15550100");
  const query = new URL(sms.url, "http://x").searchParams;
  assert.equal(query.get("to"), "+15550100"); // the URL template, filled in
  assert.equal(query.get("msg"), JSON.parse(sms.body).text);
  assert.match(JSON.parse(sms.body).text, /delivery failed/);
  const [report] = await rx.waitForCount("/fallback", 1);
  const verified = new Webhook(secret).verify(report.body, report.headers); // signed with the endpoint's key
  assert.equal(verified.type, "message.attempt.exhausted");
  assert.equal(verified.data.msgId, first.id);
  assert.deepEqual({ ...verified.alert, since: undefined }, { events: 1, digest: false, since: undefined });

  // Two more failures inside the window: no new mail now, one digest when the window ends.
  await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: {} });
  await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: {} });
  await waitFor(async () => (await api.get(`/api/v1/app/${app.id}/alert`)).json.data.some((a) => a.digest));
  assert.equal(smtp.mails.length, 2, "no second mail inside the window");
  await waitFor(() => smtp.mails.length >= 4, { timeoutMs: 15_000, message: "no digest" });
  for (const m of smtp.mails.slice(2)) assert.match(m.subject, /2 more: Delivery failed/);

  const alerts = await waitFor(async () => {
    const all = (await api.get(`/api/v1/app/${app.id}/alert?limit=250`)).json.data;
    return all.length === 8 && all.every((a) => a.status === "sent") ? all : null;
  });
  for (const a of alerts) {
    assert.equal(a.status, "sent", JSON.stringify(a));
    assert.equal(a.endpointId, ep.id);
    assert.equal(a.events, a.digest ? 2 : 1);
  }
  assert.deepEqual(
    alerts.filter((a) => !a.digest).map((a) => `${a.channel}:${a.recipient}`).sort(),
    ["email:oncall@acme.test", "email:ops@acme.test", `fallback:${rx.url("/fallback")}`, "sms:+15550100"]
  );
  const bad = await api.patch(`/api/v1/app/${app.id}`, { notifications: { emails: ["nobody"], events: ["x.y"] } });
  assert.equal(bad.status, 422, bad.text);
});

test("an unreachable SMTP server is retried, then the alert is recorded as failed", async (t) => {
  const rx = await startReceiver();
  t.after(() => rx.close());
  const api = await start(t, `smtp://127.0.0.1:${await freePort()}`, rx);
  rx.on("/down", 500);
  const app = (await api.post("/api/v1/app", { name: "no mail", notifications: { emails: ["ops@acme.test"] } })).json;
  await api.post(`/api/v1/app/${app.id}/endpoint`, { url: rx.url("/down"), retrySchedule: [] });
  await api.post(`/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: {} });
  const failed = await waitFor(
    async () => {
      const [a] = (await api.get(`/api/v1/app/${app.id}/alert`)).json.data;
      return a?.status === "failed" ? a : null;
    },
    { timeoutMs: 20_000, message: "the alert never gave up" }
  );
  assert.equal(failed.attempts, 3); // the first try and the two retries of the schedule
  assert.match(failed.error, /smtp/i);
});

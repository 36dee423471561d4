// The dashboard (/ui) in real Chromium (Debian `chromium`, driven by playwright-core): log in
// with the admin token, create an app and an endpoint at a loopback receiver, send a test event,
// see its attempt, resend it, disable and re-enable the endpoint; a customer portal link shows
// its one app and is refused another; an endpoint's options, editing them (a 422 shown beside
// the form), secret (reveal, rotate), headers, recover and replay with their task's progress,
// delete; operational webhook endpoints and events; messages found by eventId and filtered
// by channel, tag and time, a message's destinations, kill, "load more"; batches and alerts; an
// inbox source's received requests; a read-only portal shows no action. Any console error fails
// the test. A screenshot of each page goes to build/screenshots/ (HOOKD_SCREENSHOTS overrides).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "../integration/lib/server.mjs";
import { startHookd } from "./lib/hookd.mjs";
import { startReceiver, waitFor } from "./lib/receiver.mjs";

const SHOTS = process.env.HOOKD_SCREENSHOTS || path.join(REPO_ROOT, "build", "screenshots");
const CHROMIUM =
  process.env.CHROMIUM_BIN || ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

describe("dashboard files", () => {
  let hookd;
  before(async () => {
    hookd = await startHookd();
  });
  after(() => hookd?.stop());

  it("serves the page with a strict CSP, no-cache and an ETag that answers 304", async () => {
    const redirect = await fetch(`${hookd.url}/ui`, { redirect: "manual" });
    assert.equal(redirect.status, 308);
    assert.equal(new URL(redirect.headers.get("location"), `${hookd.url}/ui`).href, `${hookd.url}/ui/`);
    const page = await fetch(`${hookd.url}/ui/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type"), /^text\/html/);
    assert.equal(page.headers.get("cache-control"), "no-cache");
    const csp = page.headers.get("content-security-policy");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    const html = await page.text();
    assert.ok(!/<script(?![^>]*\bsrc=)/.test(html), "no inline script");
    assert.ok(!/https?:\/\//.test(html), "nothing loaded from elsewhere");
    const etag = page.headers.get("etag");
    assert.match(etag, /^"[\w-]+"$/);
    const again = await fetch(`${hookd.url}/ui/`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), "");

    for (const [, name] of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) {
      const res = await fetch(`${hookd.url}/ui/${name}`);
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get("content-type"), name.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      assert.match(res.headers.get("cache-control"), /immutable/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    }
    const missing = await fetch(`${hookd.url}/ui/app-NOPE.js`);
    assert.equal(missing.status, 404);
  });
});

describe("dashboard in Chromium", () => {
  let hookd, rx, browser;
  const problems = []; // console errors and page errors, with the page they came from
  // While true, the browser's own log of a refused (403/404/422) fetch is expected: Chromium logs
  // every fetch answered with an error status, whatever the page does with the answer.
  let allowRefusals = false;

  const api = async (method, p, body, token = hookd.token) => {
    const res = await hookd.request(method, p, { body, token });
    assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${res.text}`);
    return res.json;
  };

  let current; // the page the running test drives last, for its failure report
  async function newPage(viewport = { width: 1280, height: 800 }) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    current = page;
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      if (allowRefusals && /status of (40[34]|422)/.test(msg.text())) return;
      problems.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message} (${page.url()})`));
    return page;
  }
  // it(), but a failure also tells where the page was, what it showed and the console errors.
  const test = (name, fn) =>
    it(name, async () => {
      current = undefined;
      try {
        await fn();
      } catch (e) {
        const shows = await current?.locator("body").innerText({ timeout: 2000 }).catch(() => "(closed)");
        const inputs = await current
          ?.evaluate(() => [...document.querySelectorAll("input, textarea")].map((i) => `${i.name}=${JSON.stringify(i.value)}`).join(" "))
          .catch(() => "(closed)");
        e.message += `\n  page: ${current?.url()}\n  inputs: ${inputs}\n  shows: ${shows?.slice(0, 2000)}\n  problems: ${problems.join("; ")}`;
        throw e;
      }
    });
  const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const heading = (page, text) => page.getByRole("heading", { level: 1, name: text }).waitFor();

  // Clicks `refresh` until `locator` is there (the pages do not poll).
  async function refreshUntil(page, locator, refresh = "Refresh") {
    await waitFor(
      async () => {
        if ((await locator.count()) > 0) return true;
        await page.getByRole("button", { name: refresh }).first().click();
        await page.waitForTimeout(100);
        return (await locator.count()) > 0;
      },
      { timeoutMs: 15_000, message: `waiting for ${locator}` },
    );
  }

  before(async () => {
    assert.ok(CHROMIUM, "no chromium: scripts/install-deps.sh installs it (or set CHROMIUM_BIN)");
    mkdirSync(SHOTS, { recursive: true });
    hookd = await startHookd({ delivery: true });
    rx = await startReceiver();
    rx.on("/hook", { status: 200, body: "received by the test" });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  });
  after(async () => {
    await browser?.close();
    await rx?.close();
    await hookd?.stop();
  });

  test("logs in, manages an endpoint, sends, resends, disables and re-enables", async () => {
    const page = await newPage();
    await page.goto(`${hookd.url}/ui`);
    await heading(page, "Log in to hookd");
    await shot(page, "login");
    // By keyboard: the heading has focus, Tab reaches the token field, Enter submits.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.name), "token");
    await page.keyboard.type(hookd.token);
    await page.keyboard.press("Enter");
    await heading(page, "Apps");

    await page.getByLabel("Name", { exact: true }).fill("Shop A");
    await page.getByRole("button", { name: "Create app" }).click();
    await heading(page, "Shop A");
    const appId = decodeURIComponent(page.url().match(/#\/app\/([^/]+)/)[1]);
    assert.match(appId, /^app_/);

    await page.getByLabel("URL").fill(rx.url("/hook"));
    await page.getByLabel("Description (optional)").fill("test receiver");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByRole("heading", { level: 2, name: rx.url("/hook") }).waitFor();
    const epId = decodeURIComponent(page.url().match(/\/endpoint\/([^/?]+)/)[1]);

    await page.getByRole("button", { name: "Send test event" }).click();
    await page.getByRole("status").getByText(/Test event msg_\w+ sent/).waitFor();
    await rx.waitForCount("/hook", 1, { timeoutMs: 10_000 });
    const row = page.locator("table.attempts tbody tr", { hasText: "succeeded" });
    await refreshUntil(page, row);
    assert.match(await row.first().innerText(), /200[\s\S]*received by the test/);
    await shot(page, "endpoint");

    // The message list, filtered by event type, and the message's attempts.
    await page.getByRole("link", { name: "Messages" }).click();
    await heading(page, "Shop A");
    await page.getByLabel("Event type").fill("no.such.type");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No messages.").waitFor();
    await page.getByLabel("Event type").fill("svix.ping");
    await page.getByRole("button", { name: "Filter" }).click();
    const msgLink = page.getByRole("link", { name: /^msg_/ });
    await msgLink.waitFor();
    assert.equal(await msgLink.count(), 1);
    await shot(page, "messages");
    await msgLink.click();
    await page.getByRole("heading", { level: 2, name: /^msg_/ }).waitFor();
    await page.locator("table.attempts tbody tr").first().waitFor();
    assert.equal(await page.locator("table.attempts tbody tr").count(), 1);
    // The attempt's request, opened from the keyboard: the headers the receiver got, the
    // signature redacted.
    const requestToggle = page.locator("table.attempts summary", { hasText: "Request" }).first();
    await requestToggle.focus();
    await page.keyboard.press("Enter");
    const got = rx.requestsTo("/hook")[0];
    const shown = page.locator("table.attempts details[open] pre");
    await shown.filter({ hasText: got.headers["webhook-id"] }).waitFor();
    const text = await shown.first().textContent();
    assert.match(text, /^POST http:\/\/127\.0\.0\.1:\d+\/hook/);
    assert.ok(text.includes(`webhook-timestamp: ${got.headers["webhook-timestamp"]}`), text);
    assert.ok(text.includes("webhook-signature: [redacted]"), text);
    assert.ok(text.endsWith(got.body), "the body as sent");

    // Resend: a second, manual attempt reaches the receiver and shows up.
    await page.getByRole("button", { name: "Resend" }).first().click();
    await rx.waitForCount("/hook", 2, { timeoutMs: 10_000 });
    await refreshUntil(page, page.locator("table.attempts tbody tr", { hasText: "(manual)" }));
    assert.equal(await page.locator("table.attempts tbody tr", { hasText: "succeeded" }).count(), 2);
    await shot(page, "message");

    // Disable, then enable again: the button, the badge and the API agree.
    await page.getByRole("link", { name: rx.url("/hook") }).first().click();
    await page.getByRole("button", { name: "Disable endpoint" }).click();
    await page.getByRole("button", { name: "Enable endpoint" }).waitFor();
    assert.equal((await api("GET", `/api/v1/app/${appId}/endpoint/${epId}`)).disabled, true);
    await page.getByRole("button", { name: "Enable endpoint" }).click();
    await page.getByRole("button", { name: "Disable endpoint" }).waitFor();
    assert.equal((await api("GET", `/api/v1/app/${appId}/endpoint/${epId}`)).disabled, false);

    // Statistics: the endpoint's page and the app's show the two attempts as the API counts them,
    // in uPlot charts as wide as the page, at desktop and phone width.
    const stats = await api("GET", `/api/v1/app/${appId}/stats/delivery`);
    assert.equal(stats.total.succeeded + stats.total.failed, 2, JSON.stringify(stats));
    const rate = `${Math.round((1000 * stats.total.succeeded) / 2) / 10}% of 2`;
    const fact = (term) => page.locator("dl.totals dt", { hasText: term }).locator("xpath=following-sibling::dd[1]");
    const checkTotals = async () => {
      await fact("Success rate").getByText(rate).waitFor();
      assert.equal(await fact("Succeeded").innerText(), String(stats.total.succeeded));
      assert.equal(await fact("Failed").innerText(), String(stats.total.failed));
      assert.ok((await page.locator(".uplot canvas").count()) >= 2, "uPlot draws both charts");
    };
    await page.getByRole("heading", { level: 2, name: "Delivery statistics" }).waitFor();
    await checkTotals();
    await page.getByRole("link", { name: "Statistics" }).click();
    await page.getByRole("heading", { level: 2, name: "Delivery statistics" }).waitFor();
    await checkTotals();
    await page.locator("table.failures").getByRole("cell", { name: "HTTP 5xx" }).waitFor();
    const canvas = page.locator(".uplot canvas").first();
    const chartWidth = () => canvas.evaluate((c) => c.getBoundingClientRect().width);
    assert.ok((await chartWidth()) > 400, "the chart fills a wide page");
    await shot(page, "statistics");
    // The range by keyboard: a day in 10-minute points, a week in hours, the same totals.
    await page.getByRole("button", { name: "Last day" }).focus();
    await page.keyboard.press("Enter");
    await fact("Per point").getByText("10 min").waitFor();
    await checkTotals();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await fact("Per point").getByText("1 h").waitFor();
    assert.equal(await page.getByRole("button", { name: "Last week" }).getAttribute("aria-pressed"), "true");
    await checkTotals();
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => (await chartWidth()) < 390);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), "no horizontal overflow at phone width");
    await shot(page, "statistics-phone");
    await page.setViewportSize({ width: 1280, height: 800 });

    // The endpoint list shows it enabled, with its success rate as the API reports it; the apps
    // page finds the app by search.
    const health = (await api("GET", `/api/v1/app/${appId}/stats/endpoint-health?endpoint_id=${epId}`)).data[0];
    const hourRate = `${Math.round((1000 * health.lastHour.succeeded) / 2) / 10}% of 2`;
    await page.getByRole("link", { name: "Endpoints" }).click();
    await page.getByRole("cell", { name: "enabled" }).waitFor();
    const epRow = page.locator("tbody tr", { hasText: rx.url("/hook") });
    await epRow.locator("td.health").first().getByText(hourRate).waitFor();
    assert.equal(await epRow.locator("td.health").nth(1).innerText(), hourRate);
    await shot(page, "endpoints");
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), "no horizontal overflow at phone width");
    await shot(page, "endpoints-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole("link", { name: "Apps" }).click();
    await heading(page, "Apps");
    await page.getByLabel("Search by name, uid or id").fill("shop a");
    await page.getByRole("link", { name: "Shop A" }).waitFor();
    await page.getByLabel("Search by name, uid or id").fill("zzz-nothing");
    await page.getByText("No apps match.").waitFor();
    await page.getByLabel("Search by name, uid or id").fill("");
    await shot(page, "apps");
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  // Logs in with the admin token in a fresh context and opens `hash`.
  async function loggedIn(hash, viewport) {
    const page = await newPage(viewport);
    await page.goto(`${hookd.url}/ui`);
    await page.getByLabel("API token").fill(hookd.token);
    await page.getByRole("button", { name: "Log in" }).click();
    await heading(page, "Apps");
    if (hash) await page.goto(`${hookd.url}/ui/${hash}`);
    return page;
  }

  test("an endpoint's page: every option, secret reveal and rotate, headers, recover, replay, delete", async () => {
    rx.on("/opts", { status: 200, body: "ok" });
    const app = await api("POST", "/api/v1/app", { name: "Shop D" });
    await api("POST", "/api/v1/event-type", { name: "order.created", description: "an order" });
    const ep = await api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: rx.url("/opts"),
      description: "orders in the EU",
      filterTypes: ["order.created"],
      channels: ["eu"],
      rateLimit: 10,
      retrySchedule: [1, 2],
      metadata: { team: "ops" },
    });
    const base = `/api/v1/app/${app.id}/endpoint/${ep.id}`;
    const page = await loggedIn(`#/app/${app.id}/endpoint/${ep.id}`);
    await page.getByRole("heading", { level: 2, name: rx.url("/opts") }).waitFor();
    const facts = page.locator("dl.facts");
    for (const text of ["orders in the EU", "order.created", "eu", "10 per second", "1 s, 2 s", "team=ops"])
      await facts.getByText(text, { exact: true }).waitFor();

    // The secret shows only after a confirmation; rotating (confirmed) changes the API's secret.
    const before = (await api("GET", `${base}/secret`)).key;
    assert.equal(await page.getByText(before).count(), 0);
    await page.getByRole("button", { name: "Reveal secret" }).click();
    await page.getByRole("button", { name: "Confirm reveal secret" }).click();
    const shown = page.getByLabel("Current signing secret");
    await shown.waitFor();
    assert.equal(await shown.innerText(), before);
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    assert.equal((await api("GET", `${base}/secret`)).key, before, "cancel rotates nothing");
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByRole("button", { name: "Confirm rotate secret" }).click();
    await page.getByRole("status").getByText("Secret rotated").waitFor();
    const after = (await api("GET", `${base}/secret`)).key;
    assert.notEqual(after, before);
    await page.getByLabel("Current signing secret").getByText(after).waitFor();
    await page.getByRole("button", { name: "Hide secret" }).click();
    assert.equal(await page.getByText(after).count(), 0);

    // Custom headers: set two (a credential stays write-only), remove one.
    for (const [name, value] of [["X-Team", "ops"], ["Authorization", "Bearer not-shown"]]) {
      await page.getByLabel("Header name").fill(name);
      await page.getByLabel("Header value").fill(value);
      await page.getByRole("button", { name: "Save header" }).click();
      await page.getByRole("cell", { name, exact: true }).waitFor();
    }
    await page.getByText("(write-only credential)").waitFor();
    assert.equal(await page.getByText("Bearer not-shown").count(), 0);
    let headers = await api("GET", `${base}/headers`);
    assert.equal(headers.headers["X-Team"], "ops");
    assert.deepEqual(headers.sensitive, ["Authorization"]);
    await page.getByRole("button", { name: "Remove header X-Team" }).click();
    await waitFor(async () => (await page.getByRole("cell", { name: "X-Team", exact: true }).count()) === 0);
    headers = await api("GET", `${base}/headers`);
    assert.equal(headers.headers["X-Team"], undefined);

    // Recover and replay missing start background tasks whose progress the page follows.
    await page.getByRole("button", { name: "Recover failed messages" }).click();
    await page.getByRole("status").getByText(/Task qtask_\w+ \(endpoint\.recover\): finished/).waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: "Replay missing messages" }).click();
    await page.getByRole("status").getByText(/Task qtask_\w+ \(endpoint\.replay\): finished/).waitFor({ timeout: 15_000 });
    const tasks = await api("GET", "/api/v1/background-task?limit=50");
    assert.ok(tasks.data.some((t) => t.task === "endpoint.recover" && t.status === "finished"), JSON.stringify(tasks.data));
    await shot(page, "endpoint-detail");

    // Edit: the form shows the options as they are (the rest as JSON); one PATCH changes the
    // description and, through the JSON, the timeout; the others stay as they were.
    await page.getByRole("button", { name: "Edit endpoint" }).click();
    const form = page.getByRole("form", { name: "Edit endpoint" });
    await form.waitFor();
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.name)) === "url", { message: "the form takes the focus" });
    assert.equal(await form.getByLabel("Endpoint URL").inputValue(), rx.url("/opts"));
    assert.equal(await form.getByLabel("Endpoint description").inputValue(), "orders in the EU");
    assert.equal(await form.getByLabel("Event types filter").inputValue(), "order.created");
    assert.equal(await form.getByLabel("Channels").inputValue(), "eu");
    assert.equal(await form.getByLabel("Rate limit (per second)").inputValue(), "10");
    const json = form.getByLabel("Advanced options (JSON)");
    const advanced = JSON.parse(await json.inputValue());
    assert.deepEqual(advanced.retrySchedule, [1, 2]);
    assert.deepEqual(advanced.metadata, { team: "ops" });
    for (const k of ["id", "createdAt", "updatedAt", "disabled", "url", "description"]) assert.ok(!(k in advanced), k);
    await form.getByLabel("Endpoint description").fill("orders in the EU, edited");
    await json.fill(JSON.stringify({ ...advanced, timeoutMs: 5000 }, null, 2));
    await form.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").getByText("Endpoint saved.").waitFor();
    assert.equal(await form.count(), 0, "the form closes");
    await facts.getByText("orders in the EU, edited", { exact: true }).waitFor();
    await facts.getByText("5000 ms", { exact: true }).waitFor();
    let edited = await api("GET", base);
    assert.equal(edited.description, "orders in the EU, edited");
    assert.equal(edited.timeoutMs, 5000);
    assert.deepEqual(edited.retrySchedule, [1, 2]);
    assert.deepEqual(edited.filterTypes, ["order.created"]);
    assert.equal(edited.rateLimit, 10);

    // An invalid option: the server's 422 detail shows beside the form, which stays open.
    allowRefusals = true;
    await page.getByRole("button", { name: "Edit endpoint" }).click();
    await json.waitFor();
    assert.equal(JSON.parse(await json.inputValue()).timeoutMs, 5000);
    await json.fill(JSON.stringify({ ...JSON.parse(await json.inputValue()), timeoutMs: 5 }));
    await form.getByRole("button", { name: "Save changes" }).click();
    await form
      .getByRole("alert")
      .getByText(/^422: .*timeoutMs/)
      .waitFor();
    allowRefusals = false;
    assert.equal((await api("GET", base)).timeoutMs, 5000, "nothing changed");
    await shot(page, "endpoint-edit");
    // Not JSON: said before anything is sent. Escape (or Cancel) closes the form.
    await json.fill("{ timeoutMs: ");
    await form.getByRole("button", { name: "Save changes" }).click();
    await form
      .getByRole("alert")
      .getByText(/not valid JSON/)
      .waitFor();
    await json.press("Escape");
    await form.waitFor({ state: "detached" });
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.textContent)) === "Edit endpoint", {
      message: "the focus goes back to the Edit button",
    });
    await page.keyboard.press("Enter");
    await form.getByRole("button", { name: "Cancel" }).click();
    await form.waitFor({ state: "detached" });
    edited = await api("GET", base);
    assert.equal(edited.description, "orders in the EU, edited");

    // Phone width: the same page, readable.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "endpoint-detail-phone");
    await page.setViewportSize({ width: 1280, height: 800 });

    // Delete, after a confirmation: the list no longer has it, nor does the API.
    await page.getByRole("button", { name: "Delete endpoint" }).click();
    await page.getByRole("button", { name: "Confirm delete endpoint" }).click();
    await page.getByText("No endpoints yet.").waitFor();
    assert.equal((await hookd.request("GET", base, { token: hookd.token })).status, 404);
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("messages: find by eventId, filter by channel, tag and time, destinations, kill, load more", async () => {
    rx.on("/m", { status: 200, body: "m ok" });
    rx.on("/down", { status: 500, body: "down" });
    const app = await api("POST", "/api/v1/app", { name: "Shop M" });
    await api("POST", `/api/v1/app/${app.id}/endpoint`, { url: rx.url("/m") });
    const msgs = `/api/v1/app/${app.id}/msg`;
    const first = await api("POST", msgs, {
      eventType: "order.created",
      eventId: "order-1001",
      channels: ["eu"],
      tags: ["vip"],
      payload: { order: 1001, total: "9.90" },
    });
    await api("POST", msgs, { eventType: "order.created", channels: ["us"], payload: { order: 1002 } });
    await rx.waitForCount("/m", 2, { timeoutMs: 10_000 });

    const page = await loggedIn(`#/app/${app.id}/messages`);
    await page.getByRole("heading", { level: 2, name: /^Messages/ }).waitFor();
    await waitFor(async () => (await page.getByRole("link", { name: /^msg_/ }).count()) === 2);

    // By channel, by tag, by time range.
    const filter = async (fields) => {
      for (const label of ["Event type", "Channel", "Tag", "After", "Before"])
        await page.getByLabel(label, { exact: true }).fill(fields[label] ?? "");
      await page.getByRole("button", { name: "Filter" }).click();
    };
    await filter({ Channel: "eu" });
    await page.getByRole("heading", { level: 2, name: "Messages (channel eu)" }).waitFor();
    await waitFor(async () => (await page.getByRole("link", { name: /^msg_/ }).count()) === 1);
    await page.getByRole("link", { name: first.id }).waitFor();
    await filter({ Tag: "vip" });
    await page.getByRole("heading", { level: 2, name: "Messages (tag vip)" }).waitFor();
    await page.getByRole("link", { name: first.id }).waitFor();
    assert.equal(await page.getByRole("link", { name: /^msg_/ }).count(), 1);
    await filter({ After: "2099-01-01T00:00" });
    await page.getByText("No messages.").waitFor();
    await filter({ Before: "2099-01-01T00:00", After: "2000-01-01T00:00" });
    await waitFor(async () => (await page.getByRole("link", { name: /^msg_/ }).count()) === 2);
    await shot(page, "messages-filtered");

    // By eventId: the message's page, with its payload, destinations and attempts.
    await page.getByLabel("Message ID or event ID").fill("order-1001");
    await page.getByRole("button", { name: "Find message" }).click();
    await page.getByRole("heading", { level: 2, name: first.id }).waitFor();
    await page.locator("pre.payload").getByText('"total": "9.90"').waitFor();
    const dest = page.locator("table.destinations tbody tr", { hasText: rx.url("/m") });
    await refreshUntil(page, page.locator("table.destinations tbody tr", { hasText: "succeeded" }));
    assert.equal(await dest.count(), 1);
    await page.locator("table.attempts tbody tr", { hasText: "m ok" }).waitFor();
    const attempt = (await api("GET", `/api/v1/app/${app.id}/attempt/msg/${first.id}`)).data[0];
    await page.getByRole("button", { name: `Resend attempt ${attempt.id}` }).waitFor();
    await shot(page, "message-detail");

    // An unknown id is reported, not a blank page.
    allowRefusals = true;
    await page.goto(`${hookd.url}/ui/#/app/${app.id}/messages`);
    await page.getByLabel("Message ID or event ID").fill("no-such-event");
    await page.getByRole("button", { name: "Find message" }).click();
    await page.getByRole("alert").getByText(/^404/).waitFor();
    allowRefusals = false;

    // Kill: a message whose delivery keeps failing stops being retried.
    const down = await api("POST", `/api/v1/app/${app.id}/endpoint`, { url: rx.url("/down"), channels: ["kill"] });
    const doomed = await api("POST", msgs, { eventType: "order.created", channels: ["kill"], payload: { order: 1003 } });
    await rx.waitForCount("/down", 1, { timeoutMs: 10_000 });
    await page.goto(`${hookd.url}/ui/#/app/${app.id}/msg/${doomed.id}`);
    await page.getByRole("heading", { level: 2, name: doomed.id }).waitFor();
    await page.getByRole("button", { name: "Kill pending deliveries" }).click();
    await page.getByRole("button", { name: "Confirm kill pending deliveries" }).click();
    await page.getByRole("status").getByText(/^Killed 1 pending deliveries/).waitFor();
    const dests = await api("GET", `/api/v1/app/${app.id}/msg/${doomed.id}/endpoint`);
    assert.equal(dests.data.find((d) => d.id === down.id).statusText, "canceled");
    await page.locator("table.destinations tbody tr", { hasText: "canceled" }).waitFor();

    // Load more: past the first page of 50, the API's iterator brings the rest.
    for (let i = 0; i < 52; i++) await api("POST", msgs, { eventType: "bulk.item", payload: { i } });
    await page.goto(`${hookd.url}/ui/#/app/${app.id}/messages?eventType=bulk.item`);
    const links = page.getByRole("link", { name: /^msg_/ });
    await waitFor(async () => (await links.count()) === 50);
    await page.getByRole("button", { name: "Load more messages" }).click();
    await waitFor(async () => (await links.count()) === 52);
    await page.getByRole("button", { name: "Load more messages" }).waitFor({ state: "detached" });
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("batches with their members, and the alerts page", async () => {
    rx.on("/b", { status: 200, body: "b ok" });
    const app = await api("POST", "/api/v1/app", { name: "Shop B" });
    await api("POST", `/api/v1/app/${app.id}/endpoint`, { url: rx.url("/b") });
    await api("POST", `/api/v1/app/${app.id}/batch`, { batchId: "weekly-1", expectedMessages: 2 });
    const member = await api("POST", `/api/v1/app/${app.id}/msg`, {
      eventType: "order.created",
      eventId: "weekly-1-a",
      batchId: "weekly-1",
      payload: { a: 1 },
    });
    const page = await loggedIn(`#/app/${app.id}/batches`);
    await page.getByRole("link", { name: "weekly-1" }).click();
    await page.getByRole("heading", { level: 2, name: "weekly-1" }).waitFor();
    await page.locator("dl.facts").getByText("1 of 2").waitFor();
    await page.getByRole("link", { name: member.id }).waitFor();
    await page.getByRole("cell", { name: "weekly-1-a" }).waitFor();
    await shot(page, "batch");
    // Messages searched by batch: the batch's page with its members.
    await page.goto(`${hookd.url}/ui/#/app/${app.id}/messages`);
    await page.getByLabel("Batch ID").fill("weekly-1");
    await page.getByLabel("Batch ID").press("Enter");
    await page.getByRole("heading", { level: 2, name: "weekly-1" }).waitFor();
    await page.getByRole("link", { name: member.id }).waitFor();
    await page.getByRole("link", { name: "Alerts" }).click();
    await page.getByRole("heading", { level: 2, name: "Alerts" }).waitFor();
    await page.getByText("No alerts.").waitFor();
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("a field being typed in keeps its focus when the page's title arrives later", async () => {
    const app = await api("POST", "/api/v1/app", { name: "Late name" });
    const page = await loggedIn("");
    // The app's name (the page's heading) is held back until the Batch ID field has been typed in.
    let held = 0;
    let release;
    const released = new Promise((r) => (release = r));
    await page.route(`**/api/v1/app/${app.id}`, async (route) => {
      held++;
      await released;
      await route.continue();
    });
    await page.goto(`${hookd.url}/ui/#/app/${app.id}/messages`);
    const field = page.getByLabel("Batch ID");
    await field.fill("weekly-9");
    await waitFor(async () => held === 1, { timeoutMs: 10_000, message: "the app's name requested and held back" });
    release();
    await heading(page, "Late name");
    assert.equal(await page.evaluate(() => document.activeElement?.name), "batch");
    assert.equal(await field.inputValue(), "weekly-9");
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("inbox sources with the requests they received (admin)", async () => {
    const source = await api("POST", "/ingest/api/v1/source", { name: "Generic hooks", type: "generic-webhook", config: {} });
    assert.ok(source.ingestUrl, JSON.stringify(source));
    const res = await fetch(source.ingestUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-demo": "yes" },
      body: JSON.stringify({ hello: "inbox" }),
    });
    assert.ok(res.status < 300, `ingest: ${res.status}`);
    const page = await loggedIn("");
    await page.getByRole("link", { name: "Inbox" }).click();
    await heading(page, "Inbox sources");
    await page.getByRole("link", { name: "Generic hooks" }).click();
    await heading(page, "Generic hooks");
    await page.locator("table.requests tbody tr", { hasText: '{"hello":"inbox"}' }).waitFor();
    await page.getByText("Headers").first().click();
    await page.locator("table.requests").getByText(/x-demo: yes/).waitFor();
    await shot(page, "inbox-source");
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("operational webhooks (admin): add an endpoint, see the events, open one, delete the endpoint", async () => {
    rx.on("/ops", { status: 200, body: "ops ok" });
    const page = await loggedIn("");
    await page.getByRole("link", { name: "Operational webhooks" }).click();
    await heading(page, "Operational webhooks");
    await page.getByLabel("URL").fill(rx.url("/ops"));
    await page.getByRole("checkbox", { name: "endpoint.disabled" }).check();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Space"); // the next one, endpoint.enabled, by keyboard
    await page.getByRole("button", { name: "Add operational endpoint" }).click();
    await page
      .getByRole("status")
      .getByText(`Operational endpoint ${rx.url("/ops")} added.`)
      .waitFor();
    const row = page.locator("table.ops-endpoints tbody tr", { hasText: rx.url("/ops") });
    await row.waitFor();
    assert.match(await row.innerText(), /endpoint\.disabled, endpoint\.enabled[\s\S]*enabled/);
    const opsEps = (await api("GET", "/api/v1/operational-webhook/endpoint")).data;
    const opsEp = opsEps.find((e) => e.url === rx.url("/ops"));
    assert.deepEqual(opsEp?.filterTypes, ["endpoint.disabled", "endpoint.enabled"], JSON.stringify(opsEps));

    // Disabling a tenant's endpoint is an operational event: listed here, sent to the endpoint.
    const app = await api("POST", "/api/v1/app", { name: "Shop O" });
    const ep = await api("POST", `/api/v1/app/${app.id}/endpoint`, { url: rx.url("/o") });
    await api("PATCH", `/api/v1/app/${app.id}/endpoint/${ep.id}`, { disabled: true });
    const event = page.locator("table.ops-events tbody tr", { hasText: "endpoint.disabled" }).filter({ hasText: `endpoint ${ep.id}` });
    await refreshUntil(page, event, "Refresh events");
    assert.equal(await event.count(), 1);
    await rx.waitForCount("/ops", 1, { timeoutMs: 10_000 });
    const sent = JSON.parse(rx.requestsTo("/ops")[0].body);
    assert.equal(sent.type, "endpoint.disabled");
    assert.equal(sent.data.endpointId, ep.id);
    await shot(page, "operational");

    // The event's own page: its payload, and its delivery to the operational endpoint.
    const msgLink = event.first().getByRole("link", { name: /^msg_/ });
    const msgId = await msgLink.innerText();
    await msgLink.click();
    await page.getByRole("heading", { level: 2, name: msgId }).waitFor();
    await page.locator("pre.payload").getByText('"type": "endpoint.disabled"').waitFor();
    await refreshUntil(page, page.locator("table.destinations tbody tr", { hasText: "succeeded" }));
    await page.locator("table.attempts tbody tr", { hasText: "ops ok" }).waitFor();
    for (const name of ["Kill pending deliveries", "Resend"]) assert.equal(await page.getByRole("button", { name }).count(), 0, name);
    await page.getByRole("link", { name: "All operational webhooks and events" }).click();
    await heading(page, "Operational webhooks");

    // Delete, after a confirmation.
    await page.getByRole("button", { name: `Delete ${rx.url("/ops")}` }).click();
    await page.getByRole("button", { name: "Confirm delete" }).click();
    await page
      .getByRole("status")
      .getByText(`Operational endpoint ${rx.url("/ops")} deleted.`)
      .waitFor();
    await row.waitFor({ state: "detached" });
    assert.ok(!(await api("GET", "/api/v1/operational-webhook/endpoint")).data.some((e) => e.id === opsEp.id));
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("a read-only portal sees an endpoint's options but no action", async () => {
    const app = await api("POST", "/api/v1/app", { name: "Read Only" });
    const ep = await api("POST", `/api/v1/app/${app.id}/endpoint`, { url: rx.url("/ro"), description: "watched" });
    const portal = await api("POST", `/api/v1/auth/app-portal-access/${app.id}`, { readOnly: true });
    const page = await newPage();
    await page.goto(portal.url);
    await heading(page, "Read Only");
    await page.goto(`${portal.url.split("#")[0]}#/app/${app.id}/endpoint/${ep.id}`);
    await page.getByRole("heading", { level: 2, name: rx.url("/ro") }).waitFor();
    await page.locator("dl.facts").getByText("watched").waitFor();
    await page.getByRole("heading", { level: 2, name: "Custom headers" }).waitFor();
    for (const name of ["Reveal secret", "Rotate secret", "Delete endpoint", "Disable endpoint", "Send test event", "Recover failed messages", "Save header"])
      assert.equal(await page.getByRole("button", { name }).count(), 0, name);
    assert.equal(await page.getByRole("heading", { name: "Signing secret" }).count(), 0);
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test("a portal link shows its one app and is refused another", async () => {
    const a = await api("POST", "/api/v1/app", { name: "Portal A" });
    const b = await api("POST", "/api/v1/app", { name: "Portal B" });
    await api("POST", `/api/v1/app/${a.id}/endpoint`, { url: rx.url("/a") });
    const epB = await api("POST", `/api/v1/app/${b.id}/endpoint`, { url: rx.url("/b") });
    const portal = await api("POST", `/api/v1/auth/app-portal-access/${a.id}`, {});
    assert.ok(portal.url.includes("/ui/#token="), portal.url);

    const page = await newPage();
    await page.goto(portal.url);
    await heading(page, "Portal A");
    assert.ok(!page.url().includes(portal.token), "the token leaves the address bar");
    assert.equal(await page.getByRole("link", { name: "Apps" }).count(), 0);
    await page.getByRole("cell", { name: rx.url("/a") }).waitFor();
    await shot(page, "portal");

    // Another app's pages answer 404 through the API; nothing of app B shows.
    allowRefusals = true;
    await page.goto(`${portal.url.split("#")[0]}#/app/${b.id}/endpoints`);
    await page.getByRole("alert").first().getByText(/^404/).waitFor();
    assert.equal(await page.getByText("Portal B").count(), 0);
    assert.equal(await page.getByText(rx.url("/b")).count(), 0);
    await page.goto(`${portal.url.split("#")[0]}#/app/${b.id}/endpoint/${epB.id}`);
    await page.getByRole("alert").first().getByText(/^404/).waitFor();
    await page.goto(`${portal.url.split("#")[0]}#/apps`);
    await page.getByRole("alert").first().getByText(/^403/).waitFor();
    allowRefusals = false;
    for (const p of [`/api/v1/app/${b.id}`, `/api/v1/app/${b.id}/endpoint`, `/api/v1/app/${b.id}/msg`])
      assert.equal((await hookd.request("GET", p, { token: portal.token })).status, 404, p);
    assert.equal((await hookd.request("GET", "/api/v1/app", { token: portal.token })).status, 403);

    // Phone width: the same app, readable.
    await page.goto(`${portal.url.split("#")[0]}#/`);
    await heading(page, "Portal A");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "portal-phone");
    await page.context().close();
    assert.deepEqual(problems, []);
  });
});

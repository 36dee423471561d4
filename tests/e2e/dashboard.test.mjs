// The dashboard (/ui) in real Chromium (Debian `chromium`, driven by playwright-core): log in
// with the admin token, create an app and an endpoint at a loopback receiver, send a test event,
// see its attempt, resend it, disable and re-enable the endpoint; a customer portal link shows
// its one app and is refused another. Any console error fails the test. A screenshot of each
// page goes to build/screenshots/ (HOOKD_SCREENSHOTS overrides).
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
  let allowRefusals = false; // while true, the browser's own log of a refused (404/403) fetch is expected

  const api = async (method, p, body, token = hookd.token) => {
    const res = await hookd.request(method, p, { body, token });
    assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${res.text}`);
    return res.json;
  };

  async function newPage(viewport = { width: 1280, height: 800 }) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      if (allowRefusals && /status of 40[34]/.test(msg.text())) return;
      problems.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message} (${page.url()})`));
    return page;
  }
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

  it("logs in, manages an endpoint, sends, resends, disables and re-enables", async () => {
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

    // The endpoint list shows it enabled; the apps page finds the app by search.
    await page.getByRole("link", { name: "Endpoints" }).click();
    await page.getByRole("cell", { name: "enabled" }).waitFor();
    await shot(page, "endpoints");
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

  it("a portal link shows its one app and is refused another", async () => {
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

// The hookd dashboard and customer portal. Routing is in the URL fragment (#/app/ID/...), so
// hookd serves one page; a portal link (#token=...) logs in and then drops the token from the URL.
import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { api, token } from "./api.js";
import { Alerts } from "./pages/alerts.jsx";
import { Apps } from "./pages/apps.jsx";
import { Batch, Batches } from "./pages/batches.jsx";
import { Endpoint } from "./pages/endpoint.jsx";
import { Endpoints } from "./pages/endpoints.jsx";
import { Source, Sources } from "./pages/inbox.jsx";
import { Login } from "./pages/login.jsx";
import { Message } from "./pages/message.jsx";
import { Messages } from "./pages/messages.jsx";
import { OPS_APP, Operational } from "./pages/operational.jsx";
import { Stats } from "./pages/stats.jsx";
import { appHref, go, useRoute } from "./route.js";
import { Title } from "./ui.jsx";
import "./style.css";

// --- shell -----------------------------------------------------------------------------------

function NotFound() {
  return (
    <>
      <Title>Not found</Title>
      <p>
        <a href="#/">Go to the start page</a>
      </p>
    </>
  );
}

function Redirect({ to }) {
  useEffect(() => location.replace(to), [to]);
  return null;
}

function Page({ who, route }) {
  const { parts, query } = route;
  let can = (c) => who.admin || who.capabilities.includes(c);
  // The start page: every app for an admin, the token's own app otherwise.
  if (parts.length === 0) return <Redirect to={who.admin ? "#/apps" : appHref(who.appId, "/endpoints")} />;
  if (parts[0] === "apps" && parts.length === 1) return <Apps />;
  if (who.admin && parts[0] === "sources" && parts.length === 1) return <Sources />;
  if (who.admin && parts[0] === "source" && parts[1]) return <Source sourceId={parts[1]} />;
  if (who.admin && parts[0] === "operational" && parts.length === 1) return <Operational />;
  if (parts[0] === "app" && parts[1]) {
    const appId = parts[1];
    // The operations app's pages are read-only through its app path: what changes its endpoints
    // goes through the operational webhooks page.
    if (appId === OPS_APP) can = (c) => c.startsWith("View") && who.admin;
    const [, , kind, id] = parts;
    if (!kind || kind === "endpoints") return <Endpoints appId={appId} can={can} />;
    if (kind === "endpoint" && id) return <Endpoint appId={appId} epId={id} can={can} />;
    if (kind === "messages") return <Messages appId={appId} query={query} />;
    if (kind === "msg" && id) return <Message appId={appId} msgId={id} can={can} />;
    if (kind === "batches") return <Batches appId={appId} />;
    if (kind === "batch" && id) return <Batch appId={appId} batchId={id} />;
    if (kind === "alerts") return <Alerts appId={appId} />;
    if (kind === "stats") return <Stats appId={appId} />;
  }
  return <NotFound />;
}

function App() {
  const route = useRoute();
  const [who, setWho] = useState(null);
  const [error, setError] = useState(null);
  const [checking, setChecking] = useState(!!token.get());

  const check = useCallback(async () => {
    setChecking(true);
    try {
      setWho(await api("GET", "/auth/token"));
      setError(null);
    } catch (e) {
      token.clear();
      setWho(null);
      setError(e);
    } finally {
      setChecking(false);
    }
  }, []);
  useEffect(() => {
    if (token.get()) check();
  }, []);

  const logout = () => {
    token.clear();
    setWho(null);
    go("#/");
  };
  if (checking) return <p class="muted">Checking the token…</p>;
  if (!who)
    return (
      <Login
        error={error}
        onLogin={(t) => {
          token.set(t);
          check();
        }}
      />
    );
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          hookd
        </a>
        <nav aria-label="Main">
          {who.admin ? (
            <>
              <a href="#/apps">Apps</a>
              <a href="#/sources">Inbox</a>
              <a href="#/operational">Operational webhooks</a>
            </>
          ) : (
            <a href={appHref(who.appId, "/endpoints")}>My app</a>
          )}
        </nav>
        <span class="who">{who.admin ? "admin" : `app ${who.appId}`}</span>
        <button type="button" onClick={logout}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page who={who} route={route} />
      </main>
    </>
  );
}

// A portal link carries its token in the fragment: keep it for this tab, then remove it from the
// address bar and history.
const m = location.hash.match(/^#token=([^&]+)/);
if (m) {
  token.set(decodeURIComponent(m[1]));
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
}

render(<App />, document.getElementById("root"));

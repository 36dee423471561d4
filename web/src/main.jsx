// The hookd dashboard and customer portal. Routing is in the URL fragment (#/app/ID/...), so
// hookd serves one page; a portal link (#token=...) logs in and then drops the token from the URL.
import { render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, enc, token } from "./api.js";
import "./style.css";

// --- routing ---------------------------------------------------------------------------------

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

const go = (hash) => {
  location.hash = hash;
};
const appHref = (app, rest = "") => `#/app/${enc(app)}${rest}`;

// --- data loading ----------------------------------------------------------------------------

// Runs `load` whenever `deps` change; {data, error, loading, reload}.
function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const reload = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (error) => n === seq.current && setState({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

// An action button's runner: busy while running, error shown beside it.
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

// --- small components ------------------------------------------------------------------------

function ErrorNote({ error }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error instanceof ApiError ? `${error.status}: ${error.message}` : String(error.message || error)}
    </p>
  );
}

function Loading({ state, children }) {
  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.data) return <p class="muted" aria-live="polite">Loading…</p>;
  return children(state.data);
}

const time = (t) => (t ? new Date(t).toLocaleString() : "");

const ATTEMPT_STATUS = { 0: "succeeded", 1: "pending", 2: "failed", 3: "sending" };
const MESSAGE_STATUS = ATTEMPT_STATUS;

function Status({ code, names = ATTEMPT_STATUS }) {
  const name = names[code] ?? String(code);
  return <span class={`badge badge-${name}`}>{name}</span>;
}

function Field({ label, children, hint }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {hint && <small class="muted">{hint}</small>}
    </label>
  );
}

// Focuses the page's heading when the page changes, for keyboard and screen reader users.
function Title({ children }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${ref.current?.textContent ?? ""} · hookd`;
  }, [children]);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

// --- pages -----------------------------------------------------------------------------------

function Login({ onLogin, error }) {
  const [value, setValue] = useState("");
  return (
    <main class="login">
      <Title>Log in to hookd</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onLogin(value.trim());
        }}
      >
        <Field label="API token" hint="An admin token sees every app; an app token its own app.">
          <input type="password" name="token" autocomplete="off" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary">
          Log in
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

function Apps() {
  const [search, setSearch] = useState("");
  const apps = useLoad(() => api("GET", "/app?limit=250&order=descending"), []);
  const create = useAction();
  const [name, setName] = useState("");
  const [uid, setUid] = useState("");
  const q = search.trim().toLowerCase();
  return (
    <>
      <Title>Apps</Title>
      <section aria-labelledby="create-app">
        <h2 id="create-app">Create an app</h2>
        <form
          class="inline"
          onSubmit={async (e) => {
            e.preventDefault();
            const app = await create.run(() => api("POST", "/app", { name, ...(uid ? { uid } : {}) }));
            if (app) go(appHref(app.id));
          }}
        >
          <Field label="Name">
            <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="UID (optional)">
            <input name="uid" value={uid} pattern="[a-zA-Z0-9\-_.]+" onInput={(e) => setUid(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="primary" disabled={create.busy}>
            Create app
          </button>
        </form>
        <ErrorNote error={create.error} />
      </section>
      <section aria-labelledby="list-apps">
        <h2 id="list-apps">All apps</h2>
        <Field label="Search by name, uid or id">
          <input type="search" name="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </Field>
        <Loading state={apps}>
          {(page) => {
            const shown = page.data.filter((a) => !q || [a.name, a.uid, a.id].some((v) => v && v.toLowerCase().includes(q)));
            return shown.length === 0 ? (
              <p class="muted">No apps{q ? " match" : " yet"}.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">UID</th>
                    <th scope="col">ID</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((a) => (
                    <tr key={a.id}>
                      <td>
                        <a href={appHref(a.id)}>{a.name}</a>
                      </td>
                      <td>{a.uid}</td>
                      <td class="mono">{a.id}</td>
                      <td>{time(a.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </Loading>
      </section>
    </>
  );
}

function AppNav({ app, current }) {
  const links = [
    ["endpoints", "Endpoints"],
    ["messages", "Messages"],
  ];
  return (
    <nav class="tabs" aria-label="App">
      {links.map(([key, label]) => (
        <a key={key} href={appHref(app, `/${key}`)} aria-current={current === key ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

function AppHeader({ appId, current }) {
  const app = useLoad(() => api("GET", `/app/${enc(appId)}`), [appId]);
  return (
    <>
      <Title>{app.data ? app.data.name : appId}</Title>
      <ErrorNote error={app.error} />
      {app.data && <p class="muted mono">{app.data.id}</p>}
      <AppNav app={appId} current={current} />
    </>
  );
}

function Endpoints({ appId, can }) {
  const eps = useLoad(() => api("GET", `/app/${enc(appId)}/endpoint?limit=250`), [appId]);
  const create = useAction();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  return (
    <>
      <AppHeader appId={appId} current="endpoints" />
      <section aria-labelledby="list-endpoints">
        <h2 id="list-endpoints">Endpoints</h2>
        <Loading state={eps}>
          {(page) =>
            page.data.length === 0 ? (
              <p class="muted">No endpoints yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">URL</th>
                    <th scope="col">Description</th>
                    <th scope="col">State</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.map((ep) => (
                    <tr key={ep.id}>
                      <td class="url">
                        <a href={appHref(appId, `/endpoint/${enc(ep.id)}`)}>{ep.url}</a>
                      </td>
                      <td>{ep.description}</td>
                      <td>{ep.disabled ? <span class="badge badge-failed">disabled</span> : <span class="badge badge-succeeded">enabled</span>}</td>
                      <td>{time(ep.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loading>
      </section>
      {can("ManageEndpoint") && (
        <section aria-labelledby="create-endpoint">
          <h2 id="create-endpoint">Add an endpoint</h2>
          <form
            class="inline"
            onSubmit={async (e) => {
              e.preventDefault();
              const ep = await create.run(() =>
                api("POST", `/app/${enc(appId)}/endpoint`, { url, ...(description ? { description } : {}) }),
              );
              if (ep) go(appHref(appId, `/endpoint/${enc(ep.id)}`));
            }}
          >
            <Field label="URL">
              <input type="url" name="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
            </Field>
            <Field label="Description (optional)">
              <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
            </Field>
            <button type="submit" class="primary" disabled={create.busy}>
              Add endpoint
            </button>
          </form>
          <ErrorNote error={create.error} />
        </section>
      )}
    </>
  );
}

function AttemptsTable({ appId, attempts, showMessage, showEndpoint, can, onResent }) {
  const resend = useAction();
  if (attempts.length === 0) return <p class="muted">No attempts yet.</p>;
  return (
    <>
      <ErrorNote error={resend.error} />
      <table class="attempts">
        <thead>
          <tr>
            <th scope="col">Time</th>
            {showMessage && <th scope="col">Message</th>}
            {showEndpoint && <th scope="col">Endpoint</th>}
            <th scope="col">Status</th>
            <th scope="col">Response code</th>
            <th scope="col">Response body</th>
            {can("CreateAttempts") && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr key={a.id}>
              <td>
                {time(a.timestamp)}
                {a.triggerType === 1 && <span class="muted"> (manual)</span>}
              </td>
              {showMessage && (
                <td class="mono">
                  <a href={appHref(appId, `/msg/${enc(a.msgId)}`)}>{a.msgId}</a>
                </td>
              )}
              {showEndpoint && (
                <td class="url">
                  <a href={appHref(appId, `/endpoint/${enc(a.endpointId)}`)}>{a.url}</a>
                </td>
              )}
              <td>
                <Status code={a.status} />
              </td>
              <td class="mono">{a.responseStatusCode || "—"}</td>
              <td>
                <pre class="body">{a.response}</pre>
              </td>
              {can("CreateAttempts") && (
                <td>
                  <button
                    type="button"
                    disabled={resend.busy}
                    onClick={async () => {
                      await resend.run(() => api("POST", `/app/${enc(appId)}/msg/${enc(a.msgId)}/endpoint/${enc(a.endpointId)}/resend`));
                      onResent?.();
                    }}
                  >
                    Resend
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Endpoint({ appId, epId, can }) {
  const base = `/app/${enc(appId)}/endpoint/${enc(epId)}`;
  const ep = useLoad(() => api("GET", base), [base]);
  const attempts = useLoad(() => api("GET", `/app/${enc(appId)}/attempt/endpoint/${enc(epId)}?limit=50`), [base]);
  const act = useAction();
  const [note, setNote] = useState("");
  const reloadAll = () => {
    ep.reload();
    attempts.reload();
  };
  return (
    <>
      <AppHeader appId={appId} current="endpoints" />
      <Loading state={ep}>
        {(e) => (
          <section aria-labelledby="endpoint">
            <h2 id="endpoint" class="url">
              {e.url}
            </h2>
            <dl class="facts">
              <dt>ID</dt>
              <dd class="mono">{e.id}</dd>
              {e.uid && (
                <>
                  <dt>UID</dt>
                  <dd>{e.uid}</dd>
                </>
              )}
              <dt>State</dt>
              <dd>{e.disabled ? <span class="badge badge-failed">disabled</span> : <span class="badge badge-succeeded">enabled</span>}</dd>
              {e.description && (
                <>
                  <dt>Description</dt>
                  <dd>{e.description}</dd>
                </>
              )}
              <dt>Event types</dt>
              <dd>{e.filterTypes?.length ? e.filterTypes.join(", ") : "all"}</dd>
              <dt>Created</dt>
              <dd>{time(e.createdAt)}</dd>
            </dl>
            <div class="actions">
              {can("ManageEndpoint") && (
                <button
                  type="button"
                  disabled={act.busy}
                  onClick={() =>
                    act.run(async () => {
                      await api("PATCH", base, { disabled: !e.disabled });
                      setNote(e.disabled ? "Endpoint enabled." : "Endpoint disabled.");
                      ep.reload();
                    })
                  }
                >
                  {e.disabled ? "Enable endpoint" : "Disable endpoint"}
                </button>
              )}
              {can("CreateAttempts") && (
                <button
                  type="button"
                  disabled={act.busy}
                  onClick={() =>
                    act.run(async () => {
                      const msg = await api("POST", `${base}/send-example`, { eventType: "svix.ping" });
                      setNote(`Test event ${msg.id} sent.`);
                      attempts.reload();
                    })
                  }
                >
                  Send test event
                </button>
              )}
              <button type="button" onClick={reloadAll}>
                Refresh
              </button>
            </div>
            <p class="note" role="status">
              {note}
            </p>
            <ErrorNote error={act.error} />
          </section>
        )}
      </Loading>
      <section aria-labelledby="endpoint-attempts">
        <h2 id="endpoint-attempts">Recent attempts</h2>
        <Loading state={attempts}>
          {(page) => <AttemptsTable appId={appId} attempts={page.data} showMessage can={can} onResent={attempts.reload} />}
        </Loading>
      </section>
    </>
  );
}

function Messages({ appId, query }) {
  const eventType = query.get("eventType") || "";
  const [filter, setFilter] = useState(eventType);
  useEffect(() => setFilter(eventType), [eventType]);
  const params = new URLSearchParams({ limit: "50", with_content: "false" });
  if (eventType) params.set("event_types", eventType);
  const msgs = useLoad(() => api("GET", `/app/${enc(appId)}/msg?${params}`), [appId, eventType]);
  return (
    <>
      <AppHeader appId={appId} current="messages" />
      <form
        class="inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(appHref(appId, `/messages${filter.trim() ? `?eventType=${enc(filter.trim())}` : ""}`));
        }}
      >
        <Field label="Event type">
          <input name="eventType" value={filter} placeholder="e.g. invoice.paid" onInput={(e) => setFilter(e.currentTarget.value)} />
        </Field>
        <button type="submit">Filter</button>
        <button type="button" onClick={msgs.reload}>
          Refresh
        </button>
      </form>
      <section aria-labelledby="list-messages">
        <h2 id="list-messages">Messages{eventType && ` of type ${eventType}`}</h2>
        <Loading state={msgs}>
          {(page) =>
            page.data.length === 0 ? (
              <p class="muted">No messages.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Message</th>
                    <th scope="col">Event type</th>
                    <th scope="col">Event ID</th>
                    <th scope="col">Time</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.map((m) => (
                    <tr key={m.id}>
                      <td class="mono">
                        <a href={appHref(appId, `/msg/${enc(m.id)}`)}>{m.id}</a>
                      </td>
                      <td>{m.eventType}</td>
                      <td>{m.eventId}</td>
                      <td>{time(m.timestamp)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loading>
      </section>
    </>
  );
}

function Message({ appId, msgId, can }) {
  const base = `/app/${enc(appId)}`;
  const msg = useLoad(() => api("GET", `${base}/msg/${enc(msgId)}`), [appId, msgId]);
  const attempts = useLoad(() => api("GET", `${base}/attempt/msg/${enc(msgId)}?limit=100`), [appId, msgId]);
  return (
    <>
      <AppHeader appId={appId} current="messages" />
      <Loading state={msg}>
        {(m) => (
          <section aria-labelledby="message">
            <h2 id="message" class="mono">
              {m.id}
            </h2>
            <dl class="facts">
              <dt>Event type</dt>
              <dd>{m.eventType}</dd>
              {m.eventId && (
                <>
                  <dt>Event ID</dt>
                  <dd>{m.eventId}</dd>
                </>
              )}
              <dt>Time</dt>
              <dd>{time(m.timestamp)}</dd>
            </dl>
            <h3>Payload</h3>
            <pre class="body">{JSON.stringify(m.payload, null, 2)}</pre>
          </section>
        )}
      </Loading>
      <section aria-labelledby="message-attempts">
        <h2 id="message-attempts">Attempts</h2>
        <button type="button" onClick={attempts.reload}>
          Refresh
        </button>
        <Loading state={attempts}>
          {(page) => <AttemptsTable appId={appId} attempts={page.data} showEndpoint can={can} onResent={attempts.reload} />}
        </Loading>
      </section>
    </>
  );
}

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
  const can = (c) => who.admin || who.capabilities.includes(c);
  // The start page: every app for an admin, the token's own app otherwise.
  if (parts.length === 0) return <Redirect to={who.admin ? "#/apps" : appHref(who.appId, "/endpoints")} />;
  if (parts[0] === "apps" && parts.length === 1) return <Apps />;
  if (parts[0] === "app" && parts[1]) {
    const appId = parts[1];
    const [, , kind, id] = parts;
    if (!kind || kind === "endpoints") return <Endpoints appId={appId} can={can} />;
    if (kind === "endpoint" && id) return <Endpoint appId={appId} epId={id} can={can} />;
    if (kind === "messages") return <Messages appId={appId} query={query} />;
    if (kind === "msg" && id) return <Message appId={appId} msgId={id} can={can} />;
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
          {who.admin ? <a href="#/apps">Apps</a> : <a href={appHref(who.appId, "/endpoints")}>My app</a>}
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

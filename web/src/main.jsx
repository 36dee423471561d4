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

// A list the API pages ({data, iterator, done}): the first page on `deps` change, more() appends
// the next one. {items, done, error, loading, reload, more}.
function usePaged(makePath, deps, pick = (json) => json) {
  const [state, setState] = useState({ items: null, iterator: null, done: true, error: null, loading: true });
  const seq = useRef(0);
  const fetchPage = (iterator, append) => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    const p = makePath();
    const path = iterator ? `${p}${p.includes("?") ? "&" : "?"}iterator=${enc(iterator)}` : p;
    api("GET", path).then(
      (json) => {
        const page = pick(json);
        if (n !== seq.current) return;
        setState((s) => ({
          items: append ? [...(s.items || []), ...page.data] : page.data,
          iterator: page.iterator,
          done: page.done !== false,
          error: null,
          loading: false,
        }));
      },
      (error) => n === seq.current && setState((s) => ({ ...s, items: append ? s.items : null, error, loading: false })),
    );
  };
  const reload = useCallback(() => fetchPage(null, false), deps);
  useEffect(reload, [reload]);
  return { ...state, reload, more: () => fetchPage(state.iterator, true) };
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

const ATTEMPT_STATUS = { 0: "succeeded", 1: "pending", 2: "failed", 3: "sending", 4: "canceled" };
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

// A paged list: its items through `children`, then "Load more" while the API says it is not done.
function Paged({ state, label, children }) {
  if (!state.items) return state.error ? <ErrorNote error={state.error} /> : <p class="muted" aria-live="polite">Loading…</p>;
  return (
    <>
      {children(state.items)}
      <ErrorNote error={state.error} />
      {!state.done && (
        <button type="button" class="more" disabled={state.loading} onClick={state.more}>
          Load more {label}
        </button>
      )}
    </>
  );
}

// A button that asks first: the question and "Confirm …"/"Cancel" replace it until answered.
function ConfirmButton({ label, question, confirmLabel, onConfirm, disabled, danger }) {
  const [open, setOpen] = useState(false);
  const yes = useRef(null);
  useEffect(() => {
    if (open) yes.current?.focus();
  }, [open]);
  if (!open)
    return (
      <button type="button" class={danger ? "danger" : undefined} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={label}>
      <span>{question}</span>
      <button
        type="button"
        ref={yes}
        class={danger ? "danger" : "primary"}
        disabled={disabled}
        onClick={async () => {
          setOpen(false);
          await onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </span>
  );
}

// A term and its description, left out when there is nothing to describe.
function Fact({ term, children, mono }) {
  if (children === undefined || children === null || children === "") return null;
  return (
    <>
      <dt>{term}</dt>
      <dd class={mono ? "mono" : undefined}>{children}</dd>
    </>
  );
}

const list = (v, none) => (Array.isArray(v) && v.length ? v.join(", ") : none);
const mapText = (m) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")
    : undefined;
const seconds = (s) => (s === null || s === undefined ? undefined : `${s} s`);
const yesNo = (b) => (b === null || b === undefined ? undefined : b ? "yes" : "no");
// A datetime-local field's value as RFC 3339 (UTC), or "" when empty.
const isoOf = (local) => (local ? new Date(local).toISOString() : "");

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
  const apps = usePaged(() => "/app?limit=250&order=descending", []);
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
        <Paged state={apps} label="apps">
          {(items) => {
            const shown = items.filter((a) => !q || [a.name, a.uid, a.id].some((v) => v && v.toLowerCase().includes(q)));
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
        </Paged>
      </section>
    </>
  );
}

function AppNav({ app, current }) {
  const links = [
    ["endpoints", "Endpoints"],
    ["messages", "Messages"],
    ["batches", "Batches"],
    ["alerts", "Alerts"],
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
  const eps = usePaged(() => `/app/${enc(appId)}/endpoint?limit=100`, [appId]);
  const create = useAction();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  return (
    <>
      <AppHeader appId={appId} current="endpoints" />
      <section aria-labelledby="list-endpoints">
        <h2 id="list-endpoints">Endpoints</h2>
        <Paged state={eps} label="endpoints">
          {(items) =>
            items.length === 0 ? (
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
                  {items.map((ep) => (
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
        </Paged>
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
            <th scope="col">Duration</th>
            <th scope="col">Response</th>
            {can("CreateAttempts") && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr key={a.id}>
              <td>
                {time(a.timestamp)}
                {a.triggerType === 1 && <span class="muted"> (manual)</span>}
                <div class="muted mono small">{a.id}</div>
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
              <td class="mono">{a.responseDurationMs !== undefined && a.responseDurationMs !== null ? `${a.responseDurationMs} ms` : "—"}</td>
              <td>
                {a.error && (
                  <p class="error-text">
                    {a.error}
                    {a.errorDetail && `: ${a.errorDetail}`}
                  </p>
                )}
                <pre class="body">{a.response}</pre>
                {a.reply !== null && a.reply !== undefined && (
                  <details>
                    <summary>Reply</summary>
                    <pre class="body">{JSON.stringify(a.reply, null, 2)}</pre>
                  </details>
                )}
                {a.replyError && <p class="muted">Reply not read: {a.replyError}</p>}
              </td>
              {can("CreateAttempts") && (
                <td>
                  <button
                    type="button"
                    aria-label={`Resend attempt ${a.id}`}
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

// The endpoint JSON's fields this page shows by name; any other field is listed as JSON.
const KNOWN_ENDPOINT_KEYS = new Set(
  "id uid url description disabled eventTypes filterTypes channels throttleRate rateLimit version metadata failurePolicy fallbackUrl createdAt updatedAt urls method contentType expectsReply retriesPerUrl timeoutMs totalTimeoutMs successStatus retrySchedule basicAuth".split(
    " ",
  ),
);

function EndpointFacts({ e }) {
  const fp = e.failurePolicy || {};
  const other = Object.entries(e).filter(([k, v]) => !KNOWN_ENDPOINT_KEYS.has(k) && v !== null && v !== undefined);
  return (
    <dl class="facts">
      <Fact term="ID" mono>
        {e.id}
      </Fact>
      <Fact term="UID">{e.uid}</Fact>
      <Fact term="State">
        {e.disabled ? <span class="badge badge-failed">disabled</span> : <span class="badge badge-succeeded">enabled</span>}
      </Fact>
      <Fact term="Description">{e.description}</Fact>
      <Fact term="URLs (failover)">{e.urls?.length ? e.urls.join(" → ") : undefined}</Fact>
      <Fact term="Event types">{list(e.filterTypes, "all")}</Fact>
      <Fact term="Channels">{list(e.channels, "all")}</Fact>
      <Fact term="Rate limit">{e.rateLimit ? `${e.rateLimit} per second` : "none"}</Fact>
      <Fact term="Retry schedule">{e.retrySchedule ? e.retrySchedule.map((s) => `${s} s`).join(", ") : "server default"}</Fact>
      <Fact term="Method">{e.method}</Fact>
      <Fact term="Content type">{e.contentType}</Fact>
      <Fact term="Timeout">{e.timeoutMs ? `${e.timeoutMs} ms` : "server default"}</Fact>
      <Fact term="Total timeout">{e.totalTimeoutMs ? `${e.totalTimeoutMs} ms` : undefined}</Fact>
      <Fact term="Retries per URL">{e.urls?.length ? e.retriesPerUrl : undefined}</Fact>
      <Fact term="Success status">{Array.isArray(e.successStatus) ? e.successStatus.join(", ") : e.successStatus ?? "2xx"}</Fact>
      <Fact term="Expects a reply">{yesNo(e.expectsReply)}</Fact>
      <Fact term="Basic auth user">{e.basicAuth?.username}</Fact>
      <Fact term="Fallback URL">{e.fallbackUrl}</Fact>
      <Fact term="Disable after exhausted">{fp.disableAfterExhausted ?? undefined}</Fact>
      <Fact term="Disable after failing">{seconds(fp.disableAfterFailingSeconds)}</Fact>
      <Fact term="Disable on 410 Gone">{yesNo(fp.disableOnGone)}</Fact>
      <Fact term="Auto-recover after">{seconds(fp.autoRecoverSeconds)}</Fact>
      <Fact term="Version">{e.version}</Fact>
      <Fact term="Metadata">{mapText(e.metadata)}</Fact>
      {other.map(([k, v]) => (
        <Fact key={k} term={k} mono>
          {typeof v === "object" ? JSON.stringify(v) : String(v)}
        </Fact>
      ))}
      <Fact term="Created">{time(e.createdAt)}</Fact>
      <Fact term="Updated">{time(e.updatedAt)}</Fact>
    </dl>
  );
}

// The signing secret: shown only after a confirmation; rotated after another.
function SecretSection({ base, can }) {
  const [secret, setSecret] = useState(null);
  const [note, setNote] = useState("");
  const act = useAction();
  if (!can("ViewEndpointSecret")) return null;
  return (
    <section aria-labelledby="endpoint-secret">
      <h2 id="endpoint-secret">Signing secret</h2>
      {secret ? (
        <p>
          <code class="secret" aria-label="Current signing secret">
            {secret}
          </code>{" "}
          <button type="button" onClick={() => setSecret(null)}>
            Hide secret
          </button>
        </p>
      ) : (
        <p class="muted">Hidden. Anyone who has it can sign requests your receivers accept.</p>
      )}
      <div class="actions">
        {!secret && (
          <ConfirmButton
            label="Reveal secret"
            question="Show the signing secret on screen?"
            confirmLabel="Confirm reveal secret"
            disabled={act.busy}
            onConfirm={() => act.run(async () => setSecret((await api("GET", `${base}/secret`)).key))}
          />
        )}
        {can("ManageEndpointSecret") && (
          <ConfirmButton
            label="Rotate secret"
            question="Make a new secret? The old one stays valid for the grace period."
            confirmLabel="Confirm rotate secret"
            disabled={act.busy}
            onConfirm={() =>
              act.run(async () => {
                await api("POST", `${base}/secret/rotate`, {});
                setNote("Secret rotated; the previous one stays valid for the grace period.");
                if (secret) setSecret((await api("GET", `${base}/secret`)).key);
              })
            }
          />
        )}
      </div>
      <p class="note" role="status">
        {note}
      </p>
      <ErrorNote error={act.error} />
    </section>
  );
}

// Custom headers sent with each delivery; credential headers are write-only (names only).
function HeadersSection({ base, can }) {
  const headers = useLoad(() => api("GET", `${base}/headers`), [base]);
  const act = useAction();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const manage = can("ManageEndpoint");
  return (
    <section aria-labelledby="endpoint-headers">
      <h2 id="endpoint-headers">Custom headers</h2>
      <Loading state={headers}>
        {(h) => {
          const rows = [...Object.entries(h.headers || {}).map(([k, v]) => [k, v, false]), ...(h.sensitive || []).map((k) => [k, null, true])];
          return rows.length === 0 ? (
            <p class="muted">No custom headers.</p>
          ) : (
            <table class="headers">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                  {manage && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {rows.map(([k, v, sensitive]) => (
                  <tr key={k}>
                    <td class="mono">{k}</td>
                    <td class="mono">{sensitive ? <span class="muted">(write-only credential)</span> : v}</td>
                    {manage && (
                      <td>
                        <button
                          type="button"
                          aria-label={`Remove header ${k}`}
                          disabled={act.busy}
                          onClick={() =>
                            act.run(async () => {
                              await api("PATCH", `${base}/headers`, { headers: {}, deleteHeaders: [k] });
                              headers.reload();
                            })
                          }
                        >
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Loading>
      {manage && (
        <form
          class="inline"
          aria-label="Set a header"
          onSubmit={(e) => {
            e.preventDefault();
            act.run(async () => {
              await api("PATCH", `${base}/headers`, { headers: { [name.trim()]: value } });
              setName("");
              setValue("");
              headers.reload();
            });
          }}
        >
          <Field label="Header name">
            <input name="headerName" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="Header value">
            <input name="headerValue" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={act.busy}>
            Save header
          </button>
        </form>
      )}
      <ErrorNote error={act.error} />
    </section>
  );
}

// A background task's state, read again every second while it runs.
function TaskProgress({ task }) {
  const [t, setT] = useState(task);
  const [error, setError] = useState(null);
  useEffect(() => {
    setT(task);
    if (task.status !== "running") return undefined;
    let stop = false;
    let timer;
    const poll = async () => {
      try {
        const next = await api("GET", `/background-task/${enc(task.id)}`);
        if (stop) return;
        setT(next);
        if (next.status === "running") timer = setTimeout(poll, 1000);
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    timer = setTimeout(poll, 500);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [task.id]);
  return (
    <div class="task">
      <p role="status">
        Task <span class="mono">{t.id}</span> ({t.task}): <strong>{t.status}</strong>, {t.data?.messagesSent ?? 0} messages sent
        {t.updatedAt && <span class="muted"> · updated {time(t.updatedAt)}</span>}
      </p>
      <ErrorNote error={error} />
    </div>
  );
}

// Recover (failed deliveries) and replay missing (never sent) since a time, as background tasks.
function RecoverSection({ base }) {
  const [since, setSince] = useState(() => {
    const d = new Date(Date.now() - 3600_000);
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  });
  const [until, setUntil] = useState("");
  const [task, setTask] = useState(null);
  const act = useAction();
  const start = (what) =>
    act.run(async () => {
      const body = { since: isoOf(since), ...(until ? { until: isoOf(until) } : {}) };
      setTask(await api("POST", `${base}/${what}`, body));
    });
  return (
    <section aria-labelledby="endpoint-recover">
      <h2 id="endpoint-recover">Recover and replay</h2>
      <p class="muted">Recover sends again the messages whose delivery failed; replay missing sends those never sent to this endpoint.</p>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <Field label="Since">
          <input type="datetime-local" name="since" required value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        </Field>
        <Field label="Until (optional)">
          <input type="datetime-local" name="until" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        </Field>
        <button type="button" disabled={act.busy || !since} onClick={() => start("recover")}>
          Recover failed messages
        </button>
        <button type="button" disabled={act.busy || !since} onClick={() => start("replay-missing")}>
          Replay missing messages
        </button>
      </form>
      <ErrorNote error={act.error} />
      {task && <TaskProgress task={task} />}
    </section>
  );
}

function Endpoint({ appId, epId, can }) {
  const base = `/app/${enc(appId)}/endpoint/${enc(epId)}`;
  const ep = useLoad(() => api("GET", base), [base]);
  const attempts = usePaged(() => `/app/${enc(appId)}/attempt/endpoint/${enc(epId)}?limit=50`, [base]);
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
            <EndpointFacts e={e} />
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
              {can("ManageEndpoint") && (
                <ConfirmButton
                  label="Delete endpoint"
                  question="Delete this endpoint? Its pending deliveries are dropped."
                  confirmLabel="Confirm delete endpoint"
                  danger
                  disabled={act.busy}
                  onConfirm={() =>
                    act.run(async () => {
                      await api("DELETE", base);
                      go(appHref(appId, "/endpoints"));
                    })
                  }
                />
              )}
            </div>
            <p class="note" role="status">
              {note}
            </p>
            <ErrorNote error={act.error} />
          </section>
        )}
      </Loading>
      {ep.data && (
        <>
          <SecretSection base={base} can={can} />
          <HeadersSection base={base} can={can} />
          {can("CreateAttempts") && <RecoverSection base={base} />}
        </>
      )}
      <section aria-labelledby="endpoint-attempts">
        <h2 id="endpoint-attempts">Recent attempts</h2>
        <Paged state={attempts} label="attempts">
          {(items) => <AttemptsTable appId={appId} attempts={items} showMessage can={can} onResent={attempts.reload} />}
        </Paged>
      </section>
    </>
  );
}

const MESSAGE_FILTERS = ["eventType", "channel", "tag", "after", "before"];

function Messages({ appId, query }) {
  const applied = Object.fromEntries(MESSAGE_FILTERS.map((k) => [k, query.get(k) || ""]));
  const key = MESSAGE_FILTERS.map((k) => applied[k]).join("\u0000");
  const [filter, setFilter] = useState(applied);
  useEffect(() => setFilter(applied), [key]);
  const [lookup, setLookup] = useState("");
  const find = useAction();
  const params = new URLSearchParams({ limit: "50", with_content: "false" });
  if (applied.eventType) params.set("event_types", applied.eventType);
  if (applied.channel) params.set("channel", applied.channel);
  if (applied.tag) params.set("tag", applied.tag);
  if (applied.after) params.set("after", isoOf(applied.after));
  if (applied.before) params.set("before", isoOf(applied.before));
  const msgs = usePaged(() => `/app/${enc(appId)}/msg?${params}`, [appId, key]);
  const set = (k) => (e) => setFilter({ ...filter, [k]: e.currentTarget.value });
  const described = MESSAGE_FILTERS.filter((k) => applied[k]).map((k) => `${k} ${applied[k]}`);
  return (
    <>
      <AppHeader appId={appId} current="messages" />
      <form
        class="inline"
        role="search"
        aria-label="Find a message by ID"
        onSubmit={(e) => {
          e.preventDefault();
          find.run(async () => {
            const m = await api("GET", `/app/${enc(appId)}/msg/${enc(lookup.trim())}?with_content=false`);
            go(appHref(appId, `/msg/${enc(m.id)}`));
          });
        }}
      >
        <Field label="Message ID or event ID">
          <input name="lookup" required value={lookup} placeholder="msg_… or your eventId" onInput={(e) => setLookup(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={find.busy}>
          Find message
        </button>
      </form>
      <ErrorNote error={find.error} />
      <form
        class="inline"
        role="search"
        aria-label="Filter messages"
        onSubmit={(e) => {
          e.preventDefault();
          const q = new URLSearchParams();
          for (const k of MESSAGE_FILTERS) if (filter[k]?.trim()) q.set(k, filter[k].trim());
          const s = q.toString();
          go(appHref(appId, `/messages${s ? `?${s}` : ""}`));
        }}
      >
        <Field label="Event type">
          <input name="eventType" value={filter.eventType} placeholder="e.g. invoice.paid" onInput={set("eventType")} />
        </Field>
        <Field label="Channel">
          <input name="channel" value={filter.channel} onInput={set("channel")} />
        </Field>
        <Field label="Tag">
          <input name="tag" value={filter.tag} onInput={set("tag")} />
        </Field>
        <Field label="After">
          <input type="datetime-local" name="after" value={filter.after} onInput={set("after")} />
        </Field>
        <Field label="Before">
          <input type="datetime-local" name="before" value={filter.before} onInput={set("before")} />
        </Field>
        <button type="submit">Filter</button>
        <button type="button" onClick={msgs.reload}>
          Refresh
        </button>
      </form>
      <section aria-labelledby="list-messages">
        <h2 id="list-messages">Messages{described.length ? ` (${described.join(", ")})` : ""}</h2>
        <Paged state={msgs} label="messages">
          {(items) =>
            items.length === 0 ? (
              <p class="muted">No messages.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Message</th>
                    <th scope="col">Event type</th>
                    <th scope="col">Event ID</th>
                    <th scope="col">Channels</th>
                    <th scope="col">Tags</th>
                    <th scope="col">Time</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((m) => (
                    <tr key={m.id}>
                      <td class="mono">
                        <a href={appHref(appId, `/msg/${enc(m.id)}`)}>{m.id}</a>
                      </td>
                      <td>{m.eventType}</td>
                      <td>{m.eventId}</td>
                      <td>{list(m.channels, "")}</td>
                      <td>{list(m.tags, "")}</td>
                      <td>{time(m.timestamp)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Paged>
      </section>
    </>
  );
}

// Where a message goes and how each delivery stands (GET .../msg/{msg}/endpoint).
function Destinations({ appId, msgId, state, can, onResent }) {
  const resend = useAction();
  return (
    <Paged state={state} label="destinations">
      {(items) =>
        items.length === 0 ? (
          <p class="muted">No destinations: no endpoint subscribes to this message.</p>
        ) : (
          <>
            <ErrorNote error={resend.error} />
            <table class="destinations">
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col">Next attempt</th>
                  {can("CreateAttempts") && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id}>
                    <td class="url">
                      <a href={appHref(appId, `/endpoint/${enc(d.id)}`)}>{d.url}</a>
                      {d.disabled && <span class="badge badge-failed">disabled</span>}
                    </td>
                    <td>
                      <Status code={d.status} />
                    </td>
                    <td>{d.nextAttempt ? time(d.nextAttempt) : "—"}</td>
                    {can("CreateAttempts") && (
                      <td>
                        <button
                          type="button"
                          aria-label={`Resend to ${d.url}`}
                          disabled={resend.busy}
                          onClick={async () => {
                            await resend.run(() => api("POST", `/app/${enc(appId)}/msg/${enc(msgId)}/endpoint/${enc(d.id)}/resend`));
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
        )
      }
    </Paged>
  );
}

function Message({ appId, msgId, can }) {
  const base = `/app/${enc(appId)}`;
  const msg = useLoad(() => api("GET", `${base}/msg/${enc(msgId)}`), [appId, msgId]);
  const dests = usePaged(() => `${base}/msg/${enc(msgId)}/endpoint?limit=50`, [appId, msgId]);
  const attempts = usePaged(() => `${base}/attempt/msg/${enc(msgId)}?limit=50`, [appId, msgId]);
  const act = useAction();
  const [note, setNote] = useState("");
  const reload = () => {
    dests.reload();
    attempts.reload();
  };
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
              <Fact term="Event type">{m.eventType}</Fact>
              <Fact term="Event ID">{m.eventId}</Fact>
              <Fact term="Channels">{list(m.channels)}</Fact>
              <Fact term="Tags">{list(m.tags)}</Fact>
              <Fact term="Batch" mono>
                {m.batchId}
              </Fact>
              <Fact term="Content type">{m.contentType}</Fact>
              <Fact term="Time">{time(m.timestamp)}</Fact>
            </dl>
            <h3>Payload</h3>
            <pre class="body payload">{typeof m.payload === "string" ? m.payload : JSON.stringify(m.payload, null, 2)}</pre>
            <div class="actions">
              <button type="button" onClick={reload}>
                Refresh
              </button>
              {can("ManageMessages") && (
                <ConfirmButton
                  label="Kill pending deliveries"
                  question="Stop every delivery of this message that has not finished?"
                  confirmLabel="Confirm kill pending deliveries"
                  danger
                  disabled={act.busy}
                  onConfirm={() =>
                    act.run(async () => {
                      const r = await api("POST", `${base}/msg/${enc(msgId)}/kill`, {});
                      const n = (v) => (Array.isArray(v) ? v.length : Number(v) || 0);
                      setNote(`Killed ${n(r.killed)} pending deliveries; ${n(r.notKilled)} could not be killed.`);
                      reload();
                    })
                  }
                />
              )}
            </div>
            <p class="note" role="status">
              {note}
            </p>
            <ErrorNote error={act.error} />
          </section>
        )}
      </Loading>
      <section aria-labelledby="message-destinations">
        <h2 id="message-destinations">Destinations</h2>
        <Destinations appId={appId} msgId={msgId} state={dests} can={can} onResent={reload} />
      </section>
      <section aria-labelledby="message-attempts">
        <h2 id="message-attempts">Attempts</h2>
        <Paged state={attempts} label="attempts">
          {(items) => <AttemptsTable appId={appId} attempts={items} showEndpoint can={can} onResent={reload} />}
        </Paged>
      </section>
    </>
  );
}

// Alerts sent (or being sent, or given up) to people about the app's endpoints.
function Alerts({ appId }) {
  const alerts = usePaged(() => `/app/${enc(appId)}/alert?limit=50`, [appId]);
  return (
    <>
      <AppHeader appId={appId} current="alerts" />
      <section aria-labelledby="list-alerts">
        <h2 id="list-alerts">Alerts</h2>
        <button type="button" onClick={alerts.reload}>
          Refresh
        </button>
        <Paged state={alerts} label="alerts">
          {(items) =>
            items.length === 0 ? (
              <p class="muted">No alerts.</p>
            ) : (
              <table class="alerts">
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Event</th>
                    <th scope="col">Endpoint</th>
                    <th scope="col">To</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Sent</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id}>
                      <td>{time(a.createdAt)}</td>
                      <td>
                        {a.eventType}
                        {a.digest && <span class="muted"> (digest of {a.events})</span>}
                      </td>
                      <td class="mono">{a.endpointId && <a href={appHref(appId, `/endpoint/${enc(a.endpointId)}`)}>{a.endpointId}</a>}</td>
                      <td>
                        {a.channel}: {a.recipient}
                      </td>
                      <td>
                        {a.status}
                        {a.error && <p class="error-text">{a.error}</p>}
                        {a.nextAttempt && <span class="muted"> · next {time(a.nextAttempt)}</span>}
                      </td>
                      <td>{a.attempts}</td>
                      <td>{time(a.sentAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Paged>
      </section>
    </>
  );
}

function Batches({ appId }) {
  const batches = usePaged(() => `/app/${enc(appId)}/batch?limit=50`, [appId]);
  return (
    <>
      <AppHeader appId={appId} current="batches" />
      <section aria-labelledby="list-batches">
        <h2 id="list-batches">Batches</h2>
        <Paged state={batches} label="batches">
          {(items) =>
            items.length === 0 ? (
              <p class="muted">No batches.</p>
            ) : (
              <table class="batches">
                <thead>
                  <tr>
                    <th scope="col">Batch</th>
                    <th scope="col">Status</th>
                    <th scope="col">Messages</th>
                    <th scope="col">Succeeded</th>
                    <th scope="col">Failed</th>
                    <th scope="col">Pending</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((b) => (
                    <tr key={b.id}>
                      <td class="mono">
                        <a href={appHref(appId, `/batch/${enc(b.id)}`)}>{b.id}</a>
                      </td>
                      <td>{b.status}</td>
                      <td>
                        {b.messages}
                        {b.expectedMessages !== null && ` of ${b.expectedMessages}`}
                      </td>
                      <td>{b.succeeded}</td>
                      <td>{b.failed}</td>
                      <td>{b.pending}</td>
                      <td>{time(b.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Paged>
      </section>
    </>
  );
}

function Batch({ appId, batchId }) {
  const path = `/app/${enc(appId)}/batch/${enc(batchId)}`;
  const batch = useLoad(() => api("GET", path), [path]);
  const members = usePaged(() => `${path}?include_members=true&limit=50`, [path], (j) => j.members);
  return (
    <>
      <AppHeader appId={appId} current="batches" />
      <Loading state={batch}>
        {(b) => (
          <section aria-labelledby="batch">
            <h2 id="batch" class="mono">
              {b.id}
            </h2>
            <dl class="facts">
              <Fact term="Status">{b.status}</Fact>
              <Fact term="Messages">{b.expectedMessages !== null ? `${b.messages} of ${b.expectedMessages}` : b.messages}</Fact>
              <Fact term="Succeeded">{b.succeeded}</Fact>
              <Fact term="Failed">{b.failed}</Fact>
              <Fact term="Killed">{b.killed}</Fact>
              <Fact term="Pending">{b.pending}</Fact>
              <Fact term="Callback">{yesNo(b.callback)}</Fact>
              <Fact term="Created">{time(b.createdAt)}</Fact>
              <Fact term="Closed">{time(b.closedAt)}</Fact>
              <Fact term="Completed">{time(b.completedAt)}</Fact>
            </dl>
          </section>
        )}
      </Loading>
      <section aria-labelledby="batch-members">
        <h2 id="batch-members">Members</h2>
        <Paged state={members} label="members">
          {(items) =>
            items.length === 0 ? (
              <p class="muted">No messages in this batch yet.</p>
            ) : (
              <table class="members">
                <thead>
                  <tr>
                    <th scope="col">Message</th>
                    <th scope="col">Event type</th>
                    <th scope="col">Event ID</th>
                    <th scope="col">Status</th>
                    <th scope="col">Completed</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((m) => (
                    <tr key={m.msgId}>
                      <td class="mono">
                        <a href={appHref(appId, `/msg/${enc(m.msgId)}`)}>{m.msgId}</a>
                      </td>
                      <td>{m.eventType}</td>
                      <td>{m.eventId}</td>
                      <td>{m.status}</td>
                      <td>{time(m.completedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Paged>
      </section>
    </>
  );
}

// Inbox sources (admin): where callbacks from providers arrive, and what each one received.
function Sources() {
  const sources = usePaged(() => "/ingest/api/v1/source?limit=100", []);
  return (
    <>
      <Title>Inbox sources</Title>
      <Paged state={sources} label="sources">
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No inbox sources.</p>
          ) : (
            <table class="sources">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Ingest URL</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <a href={`#/source/${enc(s.id)}`}>{s.name}</a>
                    </td>
                    <td>{s.type}</td>
                    <td class="url mono">{s.ingestUrl}</td>
                    <td>{time(s.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Paged>
    </>
  );
}

function Source({ sourceId }) {
  const path = `/ingest/api/v1/source/${enc(sourceId)}`;
  const source = useLoad(() => api("GET", path), [path]);
  const requests = usePaged(() => `${path}/request?limit=50`, [path]);
  return (
    <>
      <Title>{source.data ? source.data.name : sourceId}</Title>
      <p>
        <a href="#/sources">All inbox sources</a>
      </p>
      <Loading state={source}>
        {(s) => (
          <dl class="facts">
            <Fact term="ID" mono>
              {s.id}
            </Fact>
            <Fact term="UID">{s.uid}</Fact>
            <Fact term="Type">{s.type}</Fact>
            <Fact term="Ingest URL" mono>
              {s.ingestUrl}
            </Fact>
            <Fact term="Metadata">{mapText(s.metadata)}</Fact>
            <Fact term="Created">{time(s.createdAt)}</Fact>
          </dl>
        )}
      </Loading>
      <section aria-labelledby="source-requests">
        <h2 id="source-requests">Received requests</h2>
        <button type="button" onClick={requests.reload}>
          Refresh
        </button>
        <Paged state={requests} label="requests">
          {(items) =>
            items.length === 0 ? (
              <p class="muted">Nothing received yet.</p>
            ) : (
              <table class="requests">
                <thead>
                  <tr>
                    <th scope="col">Received</th>
                    <th scope="col">Method</th>
                    <th scope="col">Verdict</th>
                    <th scope="col">Event type</th>
                    <th scope="col">Forwarded</th>
                    <th scope="col">Request</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((r) => (
                    <tr key={r.id}>
                      <td>
                        {time(r.receivedAt)}
                        <div class="muted mono small">{r.id}</div>
                      </td>
                      <td class="mono">{r.method}</td>
                      <td>
                        {r.status}
                        {r.reason && <p class="error-text">{r.reason}</p>}
                      </td>
                      <td>{r.eventType}</td>
                      <td>
                        {r.forwarding && `${r.forwarding.succeeded} ok, ${r.forwarding.failed} failed, ${r.forwarding.pending} pending`}
                      </td>
                      <td>
                        <details>
                          <summary>Headers</summary>
                          <pre class="body">
                            {Object.entries(r.headers || {})
                              .map(([k, v]) => `${k}: ${v}`)
                              .join("\n")}
                          </pre>
                        </details>
                        <pre class="body">{r.body}</pre>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Paged>
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
  if (who.admin && parts[0] === "sources" && parts.length === 1) return <Sources />;
  if (who.admin && parts[0] === "source" && parts[1]) return <Source sourceId={parts[1]} />;
  if (parts[0] === "app" && parts[1]) {
    const appId = parts[1];
    const [, , kind, id] = parts;
    if (!kind || kind === "endpoints") return <Endpoints appId={appId} can={can} />;
    if (kind === "endpoint" && id) return <Endpoint appId={appId} epId={id} can={can} />;
    if (kind === "messages") return <Messages appId={appId} query={query} />;
    if (kind === "msg" && id) return <Message appId={appId} msgId={id} can={can} />;
    if (kind === "batches") return <Batches appId={appId} />;
    if (kind === "batch" && id) return <Batch appId={appId} batchId={id} />;
    if (kind === "alerts") return <Alerts appId={appId} />;
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
